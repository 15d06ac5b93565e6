;; simd-probe.wat — the smallest module that needs simd128: adds two i32x4
;; vectors and returns lane 2. Compiled to simd-probe.wasm with
;; `wat2wasm simd-probe.wat` (wabt); the smoke spec loads it through the
;; test server with instantiateStreaming, which needs application/wasm.
(module
  (func (export "lane2") (param i32 i32) (result i32)
    (i32x4.extract_lane 2
      (i32x4.add (i32x4.splat (local.get 0)) (i32x4.splat (local.get 1))))))
