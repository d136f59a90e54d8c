// AVX2 + FMA kernels (8 float lanes), for x86-64 CPUs without AVX-512. The same design as matmul_avx512.c (read
// its header comment): decode dequantizes into registers, prefill dequantizes RMAX rows into a buffer and runs an
// RMAX x TMAX register tile over it, and both do the same per-element arithmetic.
//
// Per output: acc = 0 (8 lanes); for k = 0, 8, 16, ...: acc = fma(w[k..k+7], x[k..k+7], acc); then the reduction
// (s[i] + s[i+4]) -> (a[i] + a[i+2]) -> b[0] + b[1], the same lanes and tree as the portable path.
#if defined(__x86_64__)
#include "kernels_internal.h"
#include <immintrin.h>
#include <stdlib.h>

#define TARGET __attribute__((target("avx2,fma,f16c")))
#define INLINE static inline __attribute__((always_inline)) TARGET

// Keeps a loop rolled (clang; GCC does not unroll these loops anyway).
#if defined(__clang__)
#define NO_UNROLL _Pragma("clang loop unroll(disable)")
#else
#define NO_UNROLL
#endif

enum { RMAX = 2, TMAX = 6 };    // prefill tile: 12 accumulators + 2 weight + 1 activation vector of 16 ymm registers
enum { DECODE_ROWS = 4 };       // rows interleaved in decode
enum { GROUP_ROWS = 16 };       // K-quant rows whose block contexts are prepared together
enum { CTX_FLOATS = 4096 };     // context array on the stack (16 KiB); larger needs go to the heap
enum { PREFETCH_AHEAD = 8192 }; // decode prefetch distance in bytes

#define BK(t) ((t) == TG_Q4_K || (t) == TG_Q6_K ? 256 : 32)
#define BB(t) ((t) == TG_Q8_0 ? 34 : (t) == TG_Q5_0 ? 22 : (t) == TG_Q4_K ? 144 : 210)
// Parts are 32 weights (4 vectors) for every type: with 16 registers, longer parts spill.
#define NP(t) ((t) == TG_Q4_K || (t) == TG_Q6_K ? 8 : 1)
#define NV(t) 4
#define CS(t) ((t) == TG_Q4_K ? 24 : (t) == TG_Q6_K ? 32 : 0)
#define KQUANT(t) ((t) == TG_Q4_K || (t) == TG_Q6_K)

// Exact int -> float for the K-quants (see matmul_avx512.c): w = fma(magic + q, s, -magic*s) = round(q*s).
#define MAGIC_S 0x4B400000
#define MAGIC_U 0x4B000000
#define NEG_MAGIC_S (-12582912.0f)
#define NEG_MAGIC_U (-8388608.0f)

INLINE float hsum(__m256 v) {
    __m128 a = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    a = _mm_add_ps(a, _mm_movehl_ps(a, a));
    a = _mm_add_ss(a, _mm_movehdup_ps(a));
    return _mm_cvtss_f32(a);
}

INLINE __m128i load8(const char *p) { return _mm_loadl_epi64((const __m128i *)(const void *)p); }
INLINE __m256i bytes_u32(const char *p) { return _mm256_cvtepu8_epi32(load8(p)); }
INLINE __m256i bytes_i32(const char *p) { return _mm256_cvtepi8_epi32(load8(p)); }
INLINE __m256 as_float(__m256i v) { return _mm256_castsi256_ps(v); }

// The f16 at p (lane `lane` of the 4 halves at p, which must be readable), broadcast; see half_bcast in
// matmul_avx512.c for why it converts from memory.
INLINE __m256 half_bcast(const char *p, const int lane) {
    __m128 v = _mm_cvtph_ps(load8(p));
    return _mm256_permutevar8x32_ps(_mm256_castps128_ps256(v), _mm256_set1_epi32(lane));
}

// Q4_K: [d*sc[0..7], dmin*m[0..7], -2^23*d*sc[0..7]];  Q6_K: [d*sc[0..15], -1.5*2^23*d*sc[0..15]].
INLINE void kquant_context(const int type, const char *blk, float *out) {
    if (type == TG_Q4_K) {
        uint32_t sw[4];
        tg_q4_K_scale_words(blk + 4, sw);
        __m128 dm = _mm_cvtph_ps(load8(blk));
        __m256 d = _mm256_broadcastss_ps(dm), dmin = _mm256_broadcastss_ps(_mm_movehdup_ps(dm));
        __m256 sc = _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_setr_epi32((int)sw[0], (int)sw[1], 0, 0)));
        __m256 m = _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_setr_epi32((int)sw[2], (int)sw[3], 0, 0)));
        __m256 f = _mm256_mul_ps(d, sc);
        _mm256_storeu_ps(out, f);
        _mm256_storeu_ps(out + 8, _mm256_mul_ps(dmin, m));
        _mm256_storeu_ps(out + 16, _mm256_mul_ps(f, _mm256_set1_ps(NEG_MAGIC_U)));
    } else {
        __m256 d = half_bcast(blk + 202, 3);
        __m256 f0 = _mm256_mul_ps(d, _mm256_cvtepi32_ps(bytes_i32(blk + 192)));
        __m256 f1 = _mm256_mul_ps(d, _mm256_cvtepi32_ps(bytes_i32(blk + 200)));
        _mm256_storeu_ps(out, f0);
        _mm256_storeu_ps(out + 8, f1);
        _mm256_storeu_ps(out + 16, _mm256_mul_ps(f0, _mm256_set1_ps(NEG_MAGIC_S)));
        _mm256_storeu_ps(out + 24, _mm256_mul_ps(f1, _mm256_set1_ps(NEG_MAGIC_S)));
    }
}

INLINE void prepare(const int type, const char *W, size_t rb, size_t nb, size_t r0, size_t R, float *ctx) {
    for (size_t i = 0; i < R; i++)
        for (size_t b = 0; b < nb; b++)
            kquant_context(type, W + (r0 + i) * rb + b * BB(type), ctx + (i * nb + b) * CS(type));
}

// Dequantizes part p of a block (K-quant context c) into NV(type) vectors, in weight order.
INLINE void deq_part(const int type, const char *blk, const float *c, const int p, __m256 *w) {
    switch (type) {
    case TG_Q8_0: {
        __m256 d = half_bcast(blk, 0);
        for (int v = 0; v < 4; v++) w[v] = _mm256_mul_ps(_mm256_cvtepi32_ps(bytes_i32(blk + 2 + 8 * v)), d);
        break;
    }
    case TG_Q5_0: {
        // Signed 5-bit values as 32 bytes (weights 0-15 = low nibbles, 16-31 = high nibbles), minus 16 where the
        // high bit is clear. Bit j of qh goes to byte j: shuffle qh byte j/8 into byte j, set every other bit, and
        // compare with all-ones.
        __m256 d = half_bcast(blk, 0);
        __m128i qs = _mm_loadu_si128((const __m128i *)(const void *)(blk + 6)), m15 = _mm_set1_epi8(15);
        __m256i nib = _mm256_setr_m128i(_mm_and_si128(qs, m15), _mm_and_si128(_mm_srli_epi16(qs, 4), m15));
        const __m256i spread = _mm256_setr_epi8(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2,
                                                3, 3, 3, 3, 3, 3, 3, 3);
        const __m256i others = _mm256_set1_epi64x((long long)0x7FBFDFEFF7FBFDFEull); // ~(1 << j%8) in byte j
        __m256i bit = _mm256_shuffle_epi8(_mm256_set1_epi32((int)tg_load_u32(blk + 2)), spread);
        __m256i set = _mm256_cmpeq_epi8(_mm256_or_si256(bit, others), _mm256_set1_epi8(-1));
        __m256i q = _mm256_sub_epi8(nib, _mm256_andnot_si256(set, _mm256_set1_epi8(16)));
        __m128i lo = _mm256_castsi256_si128(q), hi = _mm256_extracti128_si256(q, 1);
        w[0] = _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(lo)), d);
        w[1] = _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_srli_si128(lo, 8))), d);
        w[2] = _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(hi)), d);
        w[3] = _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_srli_si128(hi, 8))), d);
        break;
    }
    case TG_Q4_K: {
        // Part p = sub-block p: the low (p even) or high (p odd) nibbles of qs[32(p/2) ..]; w = (d*sc)*q - dmin*m.
        const char *qs = blk + 16 + 32 * (p >> 1);
        const __m256i m15 = _mm256_set1_epi32(15), magic = _mm256_set1_epi32(MAGIC_U);
        __m256 d = _mm256_set1_ps(c[p]), m = _mm256_set1_ps(c[8 + p]), nd = _mm256_set1_ps(c[16 + p]);
        for (int v = 0; v < 4; v++) {
            __m256i q = bytes_u32(qs + 8 * v);
            q = (p & 1) ? _mm256_srli_epi32(q, 4) : _mm256_and_si256(q, m15);
            w[v] = _mm256_sub_ps(_mm256_fmadd_ps(as_float(_mm256_or_si256(q, magic)), d, nd), m);
        }
        break;
    }
    case TG_Q6_K: {
        // Part p = weights 128n + 32qd + 8u (n = p/4, qd = p%4, u = 0..3): nibble qd/2 of ql[64n + 32(qd%2) + 8u ..],
        // bits 2qd of qh[32n + 8u ..], group 8n + 2qd + u/2.
        const int n = p >> 2, qd = p & 3;
        const char *ql = blk + 64 * n + 32 * (qd & 1), *qh = blk + 128 + 32 * n;
        const __m256i m15 = _mm256_set1_epi32(15), m48 = _mm256_set1_epi32(0x30);
        const __m256i magic = _mm256_set1_epi32(MAGIC_S - 32);
#pragma GCC unroll 4
        for (int u = 0; u < 4; u++) {
            __m256i lo = bytes_u32(ql + 8 * u);
            lo = (qd >> 1) ? _mm256_srli_epi32(lo, 4) : _mm256_and_si256(lo, m15);
            __m256i hb = bytes_u32(qh + 8 * u);
            const int s = 2 * qd; // the 2 bits at position s move to bits 4-5
            hb = s <= 4 ? _mm256_slli_epi32(hb, 4 - s) : _mm256_srli_epi32(hb, s - 4);
            __m256i q = _mm256_add_epi32(_mm256_or_si256(lo, _mm256_and_si256(hb, m48)), magic);
            const int g = 8 * n + 2 * qd + (u >> 1);
            w[u] = _mm256_fmadd_ps(as_float(q), _mm256_set1_ps(c[g]), _mm256_set1_ps(c[16 + g]));
        }
        break;
    }
    }
}

// ---- Decode (n_tok == 1) -----------------------------------------------------------------------------------------

INLINE void decode_rows(const int type, const char *W, size_t rb, const float *x, size_t nb, float *y, size_t r0,
                        const float *ctx, size_t limit, const int R) {
    __m256 acc[DECODE_ROWS];
    for (int i = 0; i < R; i++) acc[i] = _mm256_setzero_ps();
    const size_t ahead = r0 * rb + PREFETCH_AHEAD; // see decode_rows in matmul_avx512.c
    for (size_t b = 0; b < nb; b++) {
        for (size_t off = ahead + b * R * BB(type), e = off + R * BB(type); off < e && off < limit; off += 64)
            _mm_prefetch(W + off, _MM_HINT_T0);
        const float *xb = x + b * BK(type);
        // Parts outside rows, so the R rows' FMA chains interleave (each row still adds in k order). Not unrolled:
        // unrolled, the compiler dequantizes a whole K-quant block ahead and spills it.
        NO_UNROLL
        for (int p = 0; p < NP(type); p++) {
            for (int i = 0; i < R; i++) {
                const char *blk = W + (r0 + i) * rb + b * BB(type);
                const float *c = KQUANT(type) ? ctx + (i * nb + b) * CS(type) : NULL;
                __m256 w[4];
                deq_part(type, blk, c, p, w);
                for (int v = 0; v < NV(type); v++)
                    acc[i] = _mm256_fmadd_ps(w[v], _mm256_loadu_ps(xb + 8 * (p * NV(type) + v)), acc[i]);
            }
        }
    }
    for (int i = 0; i < R; i++) y[r0 + i] = hsum(acc[i]);
}

INLINE void decode_range(const int type, const char *W, size_t rb, const float *x, size_t nb, float *y, size_t r,
                         size_t n, const float *ctx, size_t limit) {
    const size_t per_row = nb * CS(type);
    size_t i = 0;
    for (; i + DECODE_ROWS <= n; i += DECODE_ROWS)
        decode_rows(type, W, rb, x, nb, y, r + i, ctx + i * per_row, limit, DECODE_ROWS);
    switch (n - i) {
    case 3: decode_rows(type, W, rb, x, nb, y, r + i, ctx + i * per_row, limit, 3); break;
    case 2: decode_rows(type, W, rb, x, nb, y, r + i, ctx + i * per_row, limit, 2); break;
    case 1: decode_rows(type, W, rb, x, nb, y, r + i, ctx + i * per_row, limit, 1); break;
    default: break;
    }
}

INLINE void decode(const int type, const char *W, size_t rb, const float *x, size_t K, float *y, size_t begin,
                   size_t end) {
    const size_t nb = K / BK(type);
    if (!KQUANT(type)) {
        decode_range(type, W, rb, x, nb, y, begin, end - begin, NULL, end * rb);
        return;
    }
    const size_t per_row = nb * CS(type);
    size_t group = GROUP_ROWS;
    while (group > DECODE_ROWS && group * per_row > CTX_FLOATS) group -= DECODE_ROWS;
    _Alignas(32) float stack[CTX_FLOATS];
    float *ctx = stack;
    if (group * per_row > CTX_FLOATS) {
        ctx = malloc(group * per_row * sizeof(float));
        if (!ctx) abort();
    }
    for (size_t r = begin; r < end; r += group) {
        const size_t n = end - r < group ? end - r : group;
        prepare(type, W, rb, nb, r, n, ctx);
        decode_range(type, W, rb, x, nb, y, r, n, ctx, end * rb);
    }
    if (ctx != stack) free(ctx);
}

// ---- Prefill (n_tok > 1) -----------------------------------------------------------------------------------------

INLINE void dequantize_rows(const int type, const char *W, size_t rb, size_t K, size_t r0, int R, float *buf,
                            float *ctx) {
    if (type == TG_F16 || type == TG_BF16) {
        for (int i = 0; i < R; i++) {
            const char *row = W + (r0 + i) * rb;
            float *out = buf + (size_t)i * K;
            size_t k = 0;
            for (; k + 8 <= K; k += 8) {
                __m128i h = _mm_loadu_si128((const __m128i *)(const void *)(row + 2 * k));
                __m256 v = type == TG_F16 ? _mm256_cvtph_ps(h)
                                          : _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(h), 16));
                _mm256_storeu_ps(out + k, v);
            }
            for (; k < K; k++) {
                uint16_t h = tg_load_u16(row + 2 * k);
                uint32_t bits = (uint32_t)h << 16;
                if (type == TG_F16) out[k] = tg_half_to_float(h);
                else memcpy(&out[k], &bits, sizeof bits);
            }
        }
        return;
    }
    const size_t nb = K / BK(type);
    if (KQUANT(type)) prepare(type, W, rb, nb, r0, (size_t)R, ctx);
    for (int i = 0; i < R; i++) {
        const char *row = W + (r0 + i) * rb;
        float *out = buf + (size_t)i * K;
        for (size_t b = 0; b < nb; b++) {
            const char *blk = row + b * BB(type);
            const float *c = KQUANT(type) ? ctx + (i * nb + b) * CS(type) : NULL;
            for (int p = 0; p < NP(type); p++) {
                __m256 w[4];
                deq_part(type, blk, c, p, w);
                for (int v = 0; v < NV(type); v++) _mm256_storeu_ps(out + b * BK(type) + 8 * (p * NV(type) + v), w[v]);
            }
        }
    }
}

// Lane masks for the last partial vector of F32/F16/BF16 rows: read 8 entries at offset 8 - n (n valid lanes).
static const int32_t tail_mask[16] = {-1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0};

INLINE void tile(const char *const *w, const float *x, size_t K, float *y, size_t ldy, const int R, const int T) {
    __m256 acc[RMAX][TMAX];
    for (int i = 0; i < R; i++)
        for (int t = 0; t < T; t++) acc[i][t] = _mm256_setzero_ps();
    size_t k = 0;
    for (; k + 8 <= K; k += 8) {
        __m256 wv[RMAX];
        for (int i = 0; i < R; i++) wv[i] = _mm256_loadu_ps((const float *)(const void *)(w[i] + 4 * k));
        for (int t = 0; t < T; t++) {
            __m256 xv = _mm256_loadu_ps(x + t * K + k);
            for (int i = 0; i < R; i++) acc[i][t] = _mm256_fmadd_ps(wv[i], xv, acc[i][t]);
        }
    }
    if (k < K) {
        // Only F32/F16/BF16 rows can end mid-vector; the missing lanes load as 0 and add 0*0.
        __m256i m = _mm256_loadu_si256((const __m256i *)(const void *)(tail_mask + 8 - (K - k)));
        __m256 wv[RMAX];
        for (int i = 0; i < R; i++) wv[i] = _mm256_maskload_ps((const float *)(const void *)(w[i] + 4 * k), m);
        for (int t = 0; t < T; t++) {
            __m256 xv = _mm256_maskload_ps(x + t * K + k, m);
            for (int i = 0; i < R; i++) acc[i][t] = _mm256_fmadd_ps(wv[i], xv, acc[i][t]);
        }
    }
    for (int i = 0; i < R; i++)
        for (int t = 0; t < T; t++) y[t * ldy + i] = hsum(acc[i][t]);
}

static TARGET void tile_any(const char *const *w, const float *x, size_t K, float *y, size_t ldy, int R, int T) {
#define TILE_CASE(r, t)                                                                                               \
    case (r) * 8 + (t): tile(w, x, K, y, ldy, r, t); break;
#define TILE_ROW(r) TILE_CASE(r, 1) TILE_CASE(r, 2) TILE_CASE(r, 3) TILE_CASE(r, 4) TILE_CASE(r, 5) TILE_CASE(r, 6)
    switch (R * 8 + T) {
        TILE_ROW(1)
        TILE_ROW(2)
    default: break;
    }
#undef TILE_ROW
#undef TILE_CASE
}

// ---- Entry point -------------------------------------------------------------------------------------------------

#define DECODE_FN(name, t)                                                                                            \
    static TARGET __attribute__((noinline)) void name(const char *W, size_t rb, const float *x, size_t K, float *y,   \
                                                      size_t begin, size_t end) {                                     \
        decode(t, W, rb, x, K, y, begin, end);                                                                        \
    }
DECODE_FN(decode_q8_0, TG_Q8_0)
DECODE_FN(decode_q5_0, TG_Q5_0)
DECODE_FN(decode_q4_K, TG_Q4_K)
DECODE_FN(decode_q6_K, TG_Q6_K)

#define DEQ_FN(name, t)                                                                                               \
    static TARGET void name(const char *W, size_t rb, size_t K, size_t r0, int R, float *buf, float *ctx) {          \
        dequantize_rows(t, W, rb, K, r0, R, buf, ctx);                                                                \
    }
DEQ_FN(deq_q8_0, TG_Q8_0)
DEQ_FN(deq_q5_0, TG_Q5_0)
DEQ_FN(deq_q4_K, TG_Q4_K)
DEQ_FN(deq_q6_K, TG_Q6_K)
DEQ_FN(deq_f16, TG_F16)
DEQ_FN(deq_bf16, TG_BF16)

TARGET void tg_matmul_avx2(TG_MATMUL_ARGS) {
    if (n_tok == 1) {
        switch (type) {
        case TG_Q8_0: decode_q8_0(W, row_bytes, x, K, y, row_begin, row_end); return;
        case TG_Q5_0: decode_q5_0(W, row_bytes, x, K, y, row_begin, row_end); return;
        case TG_Q4_K: decode_q4_K(W, row_bytes, x, K, y, row_begin, row_end); return;
        case TG_Q6_K: decode_q6_K(W, row_bytes, x, K, y, row_begin, row_end); return;
        default: break;
        }
    }
    void (*deq)(const char *, size_t, size_t, size_t, int, float *, float *) = NULL;
    size_t ctx_floats = 0;
    switch (type) {
    case TG_Q8_0: deq = deq_q8_0; break;
    case TG_Q5_0: deq = deq_q5_0; break;
    case TG_Q4_K: deq = deq_q4_K; ctx_floats = K / 256 * 24; break;
    case TG_Q6_K: deq = deq_q6_K; ctx_floats = K / 256 * 32; break;
    case TG_F16: deq = deq_f16; break;
    case TG_BF16: deq = deq_bf16; break;
    default: break;
    }
    // RMAX dequantized rows and their block contexts: on the stack for K <= 4096 (32 + 2 KiB), else the heap.
    _Alignas(32) float stack[RMAX * 4096], stack_ctx[RMAX * 512];
    float *buf = stack, *ctx = stack_ctx;
    if (deq && K > 4096) {
        buf = malloc(RMAX * (K + ctx_floats) * sizeof(float));
        if (!buf) abort();
        ctx = buf + RMAX * K;
    }
    for (size_t r = row_begin; r < row_end; r += RMAX) {
        int R = row_end - r < RMAX ? (int)(row_end - r) : RMAX;
        const char *w[RMAX];
        for (int i = 0; i < R; i++) w[i] = deq ? (const char *)(buf + (size_t)i * K) : W + (r + i) * row_bytes;
        if (deq) deq(W, row_bytes, K, r, R, buf, ctx);
        // Tokens in tiles of at most TMAX, as equal as possible (8 -> 4 + 4, not 6 + 2: small tiles waste loads).
        for (size_t t = 0; t < n_tok;) {
            size_t left = n_tok - t, tiles = (left + TMAX - 1) / TMAX;
            int T = (int)((left + tiles - 1) / tiles);
            tile_any(w, x + t * K, K, y + t * ldy + r, ldy, R, T);
            t += (size_t)T;
        }
    }
    if (buf != stack) free(buf);
}
#endif
