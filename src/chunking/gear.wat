;; Xet gear scan (DESIGN.md §3). Compiled by test/helpers/gen-gear-wasm.mjs into gear-wasm.ts.
;;
;; Memory layout: bytes [0, 2048) hold the 256 u64 gear values (little endian), written by JS
;; at start-up; input data lives anywhere above.
;; State: the rolling hash h lives in a global so a scan can continue across input windows.
;;
;; next_match(p, end): for each byte b in [p, end): h = (h << 1) + GEAR[b]; if
;; (h & 0xFFFF000000000000) == 0 return the address just after b. Returns -1 when no byte
;; matched (h carries the state of the whole range). The loop is unrolled by 4.
(module
  ;; the memory is the caller's, sized exactly (a maximum: no reservation for growth, which an
  ;; address-space limit refuses)
  (import "env" "memory" (memory 1))
  (global $h (mut i64) (i64.const 0))

  (func (export "reset") (global.set $h (i64.const 0)))

  (func (export "next_match") (param $p i32) (param $end i32) (result i32)
    (local $h i64)
    (local $end4 i32)
    (local.set $h (global.get $h))
    (local.set $end4 (i32.sub (local.get $end) (i32.const 3)))
    ;; four bytes per iteration while at least four remain
    (block $tail
      (loop $quad
        (br_if $tail (i32.ge_s (local.get $p) (local.get $end4)))
        (local.set $h (i64.add (i64.shl (local.get $h) (i64.const 1))
          (i64.load (i32.shl (i32.load8_u (local.get $p)) (i32.const 3)))))
        (if (i64.eqz (i64.and (local.get $h) (i64.const 0xFFFF000000000000)))
          (then (global.set $h (local.get $h)) (return (i32.add (local.get $p) (i32.const 1)))))
        (local.set $h (i64.add (i64.shl (local.get $h) (i64.const 1))
          (i64.load (i32.shl (i32.load8_u offset=1 (local.get $p)) (i32.const 3)))))
        (if (i64.eqz (i64.and (local.get $h) (i64.const 0xFFFF000000000000)))
          (then (global.set $h (local.get $h)) (return (i32.add (local.get $p) (i32.const 2)))))
        (local.set $h (i64.add (i64.shl (local.get $h) (i64.const 1))
          (i64.load (i32.shl (i32.load8_u offset=2 (local.get $p)) (i32.const 3)))))
        (if (i64.eqz (i64.and (local.get $h) (i64.const 0xFFFF000000000000)))
          (then (global.set $h (local.get $h)) (return (i32.add (local.get $p) (i32.const 3)))))
        (local.set $h (i64.add (i64.shl (local.get $h) (i64.const 1))
          (i64.load (i32.shl (i32.load8_u offset=3 (local.get $p)) (i32.const 3)))))
        (if (i64.eqz (i64.and (local.get $h) (i64.const 0xFFFF000000000000)))
          (then (global.set $h (local.get $h)) (return (i32.add (local.get $p) (i32.const 4)))))
        (local.set $p (i32.add (local.get $p) (i32.const 4)))
        (br $quad)))
    ;; the remaining 0-3 bytes
    (block $done
      (loop $one
        (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
        (local.set $h (i64.add (i64.shl (local.get $h) (i64.const 1))
          (i64.load (i32.shl (i32.load8_u (local.get $p)) (i32.const 3)))))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (if (i64.eqz (i64.and (local.get $h) (i64.const 0xFFFF000000000000)))
          (then (global.set $h (local.get $h)) (return (local.get $p))))
        (br $one)))
    (global.set $h (local.get $h))
    (i32.const -1))
)
