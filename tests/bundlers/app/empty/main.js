// The baseline: the same page without EdgeVec, to measure what the
// bundler and the app's own code weigh.
import { run, seededRows, row, check, N } from '../shared/app.js';

run(() => {
  const data = seededRows(1);
  check(row(data, N - 1).length > 0, 'rows');
  return { size: 0 };
});
