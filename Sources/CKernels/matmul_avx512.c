// AVX-512 kernels (16 float lanes). Compiled for every x86-64 build through target attributes and only called
// when the CPU has AVX-512 F/BW/VL (see kernels.c), so the package needs no -m flags.
//
// Each output y[t][r] is computed as: acc = 0 (16 lanes); for k = 0, 16, 32, ...: acc = fma(w[k..k+15], x[k..k+15],
// acc); then the fixed reduction in hsum(). The weights w are the exactly dequantized values (bit for bit ggml's).
// Two code paths perform these same operations:
//   * n_tok == 1 (decode, memory bound): dequantize each block into registers and use it at once (decode_rows).
//   * n_tok > 1 (prefill, compute bound): dequantize RMAX rows once into a small buffer, then run a register tile
//     of RMAX rows x TMAX tokens over it for every group of tokens (tile), so each weight is expanded once per call.
// Because both paths do the same per-element arithmetic, the result depends neither on n_tok nor on the row range.
//
// The dequantization is written for Zen 4, where 512-bit operations take both halves of a 256-bit pipe and the
// decode loops are bound by vector-pipe throughput, not memory: fewest vector operations per weight wins.
#if defined(__x86_64__)
#include "kernels_internal.h"
#include <immintrin.h>
#include <stdlib.h>

#define TARGET __attribute__((target("avx512f,avx512bw,avx512vl,avx2,fma,f16c")))
#define INLINE static inline __attribute__((always_inline)) TARGET

enum { RMAX = 4, TMAX = 6 }; // prefill tile: 24 accumulators + 4 weight + 1 activation vector of 32 zmm registers
enum { DECODE_ROWS = 8 };    // rows interleaved in decode: enough independent work to keep the pipes busy
enum { GROUP_ROWS = 16 };    // K-quant rows whose block contexts are prepared together
enum { CTX_FLOATS = 4096 };  // context array on the stack (16 KiB); larger needs go to the heap
enum { PREFETCH_AHEAD = 8192 }; // decode prefetch distance in bytes (about 2 groups of Q8_0 rows of K = 640)

// Values per block, bytes per block, parts per block, 16-lane vectors per part, and context floats per block.
#define BK(t) ((t) == TG_Q4_K || (t) == TG_Q6_K ? 256 : 32)
#define BB(t) ((t) == TG_Q8_0 ? 34 : (t) == TG_Q5_0 ? 22 : (t) == TG_Q4_K ? 144 : 210)
#define NP(t) ((t) == TG_Q4_K || (t) == TG_Q6_K ? 4 : 1)
#define NV(t) ((t) == TG_Q4_K || (t) == TG_Q6_K ? 4 : 2)
#define CS(t) ((t) == TG_Q4_K ? 24 : (t) == TG_Q6_K ? 32 : 0)
#define KQUANT(t) ((t) == TG_Q4_K || (t) == TG_Q6_K)

// Int -> float for the K-quants' nibbles without vcvtdq2ps: the float 2^23 + q has bit pattern 0x4B000000 | q, and
//     w = fma(2^23 + q, s, -2^23*s) = round(q*s)
// exactly (2^23*s is exact for any s), i.e. bit for bit the q*s of ggml. Signed values use 1.5*2^23 + q (bit pattern
// 0x4B400000 + q for |q| < 2^22) with -1.5*2^23*s, exact when s has at most 22 significant bits, as Q6_K's d*sc
// (at most 19) does. Both identities were checked exhaustively for all finite f16 scales.
#define MAGIC_S 0x4B400000
#define MAGIC_U 0x4B000000
#define NEG_MAGIC_S (-12582912.0f)
#define NEG_MAGIC_U (-8388608.0f)

// The fixed horizontal reduction: (s[i] + s[i+8]) -> (a[i] + a[i+4]) -> (b[i] + b[i+2]) -> c[0] + c[1].
INLINE float hsum(__m512 v) {
    __m256 a = _mm256_add_ps(_mm512_castps512_ps256(v), _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v), 1)));
    __m128 b = _mm_add_ps(_mm256_castps256_ps128(a), _mm256_extractf128_ps(a, 1));
    b = _mm_add_ps(b, _mm_movehl_ps(b, b));
    b = _mm_add_ss(b, _mm_movehdup_ps(b));
    return _mm_cvtss_f32(b);
}

// hsum of 4 vectors at once: [hsum(v0), hsum(v1), hsum(v2), hsum(v3)], bit for bit (the same pairs are added at
// each stage, only several vectors share each instruction): about 3.5 instructions per vector instead of 8.
INLINE __m128 hsum4(__m512 v0, __m512 v1, __m512 v2, __m512 v3) {
    // (s[i] + s[i+8]): [a0 | a1] and [a2 | a3], 8 lanes each.
    __m512 a01 = _mm512_add_ps(_mm512_shuffle_f32x4(v0, v1, 0x44), _mm512_shuffle_f32x4(v0, v1, 0xEE));
    __m512 a23 = _mm512_add_ps(_mm512_shuffle_f32x4(v2, v3, 0x44), _mm512_shuffle_f32x4(v2, v3, 0xEE));
    // (a[i] + a[i+4]): quarter j holds vector j's b[0..3].
    __m512 b = _mm512_add_ps(_mm512_shuffle_f32x4(a01, a23, 0x88), _mm512_shuffle_f32x4(a01, a23, 0xDD));
    // (b[0] + b[2], b[1] + b[3]) in lanes 0-1 of each quarter, then their sum in lane 0.
    __m512 c = _mm512_add_ps(b, _mm512_shuffle_ps(b, b, 0x4E));
    __m512 d = _mm512_add_ps(c, _mm512_shuffle_ps(c, c, 0xB1));
    return _mm512_castps512_ps128(_mm512_permutexvar_ps(_mm512_setr_epi32(0, 4, 8, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0), d));
}

INLINE __m512i bytes_u32(const char *p) { return _mm512_cvtepu8_epi32(_mm_loadu_si128((const __m128i *)(const void *)p)); }
INLINE __m512i bytes_i32(const char *p) { return _mm512_cvtepi8_epi32(_mm_loadu_si128((const __m128i *)(const void *)p)); }
INLINE __m512 as_float(__m512i v) { return _mm512_castsi512_ps(v); }

// The f16 scale at p, broadcast. Converts 4 halves straight from memory (so p needs 8 readable bytes; `lane` picks
// the one wanted): vcvtph2ps with a memory operand writes the whole register, while for a single half compilers
// emit a 16-bit vpinsrw into whatever register is free, a false dependency on its last value (often an accumulator)
// that serialized the rows.
INLINE __m512 half_bcast(const char *p, const int lane) {
    __m128 v = _mm_cvtph_ps(_mm_loadl_epi64((const __m128i *)(const void *)p));
    return _mm512_permutexvar_ps(_mm512_set1_epi32(lane), _mm512_castps128_ps512(v));
}

// ---- K-quant block contexts --------------------------------------------------------------------------------------
// Q4_K: [d*sc[0..7], dmin*m[0..7], -2^23*d*sc[0..7]]
// Q6_K: [d*sc[0..15], -1.5*2^23*d*sc[0..15]]
// Computed for a group of rows before their dot products, then read with broadcast loads.

INLINE void kquant_context(const int type, const char *blk, float *out) {
    if (type == TG_Q4_K) {
        uint32_t sw[4];
        tg_q4_K_scale_words(blk + 4, sw);
        __m128i sm = _mm_setr_epi32((int)sw[0], (int)sw[1], (int)sw[2], (int)sw[3]);
        // d and dmin are adjacent (lanes 0 and 1): spread them over lanes 0-7 and 8-15.
        __m512 dm = _mm512_castps128_ps512(_mm_cvtph_ps(_mm_loadl_epi64((const __m128i *)(const void *)blk)));
        __m512 dd = _mm512_permutexvar_ps(_mm512_setr_epi32(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1), dm);
        __m512 f = _mm512_mul_ps(dd, _mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(sm)));
        _mm512_storeu_ps(out, f);
        _mm256_storeu_ps(out + 16, _mm512_castps512_ps256(_mm512_mul_ps(f, _mm512_set1_ps(NEG_MAGIC_U))));
    } else {
        // Q6_K: d is the block's last two bytes (lane 3 of the 8 bytes ending there).
        __m512 f = _mm512_mul_ps(half_bcast(blk + 202, 3), _mm512_cvtepi32_ps(bytes_i32(blk + 192)));
        _mm512_storeu_ps(out, f);
        _mm512_storeu_ps(out + 16, _mm512_mul_ps(f, _mm512_set1_ps(NEG_MAGIC_S)));
    }
}

// Contexts of all nb blocks of rows [r0, r0 + R): row i's at ctx + i*nb*CS.
INLINE void prepare(const int type, const char *W, size_t rb, size_t nb, size_t r0, size_t R, float *ctx) {
    for (size_t i = 0; i < R; i++)
        for (size_t b = 0; b < nb; b++)
            kquant_context(type, W + (r0 + i) * rb + b * BB(type), ctx + (i * nb + b) * CS(type));
}

// ---- Dequantization ----------------------------------------------------------------------------------------------

// Dequantizes part p of a block (context c) into NV(type) vectors: weights p*16*NV .. +16*NV of the block, in order.
INLINE void deq_part(const int type, const char *blk, const float *c, const int p, __m512 *w) {
    switch (type) {
    case TG_Q8_0: {
        __m512 d = half_bcast(blk, 0);
        w[0] = _mm512_mul_ps(_mm512_cvtepi32_ps(bytes_i32(blk + 2)), d);
        w[1] = _mm512_mul_ps(_mm512_cvtepi32_ps(bytes_i32(blk + 18)), d);
        break;
    }
    case TG_Q5_0: {
        // q = (nibble | bit << 4) - 16: the nibble, minus 16 where the bit is clear.
        __m512 d = half_bcast(blk, 0);
        const __m512i sixteen = _mm512_set1_epi32(16);
        uint32_t qh = tg_load_u32(blk + 2);
        __m512i q = bytes_u32(blk + 6);
        __m512i lo = _mm512_and_si512(q, _mm512_set1_epi32(15)), hi = _mm512_srli_epi32(q, 4);
        lo = _mm512_mask_sub_epi32(lo, (__mmask16)~qh, lo, sixteen);
        hi = _mm512_mask_sub_epi32(hi, (__mmask16)~(qh >> 16), hi, sixteen);
        w[0] = _mm512_mul_ps(_mm512_cvtepi32_ps(lo), d);
        w[1] = _mm512_mul_ps(_mm512_cvtepi32_ps(hi), d);
        break;
    }
    case TG_Q4_K: {
        // Part p = 64 weights from 32 bytes: low nibbles are sub-block 2p, high nibbles sub-block 2p+1.
        // w = (d*sc)*q - dmin*m, the product rounded first as in ggml.
        const char *qs = blk + 16 + 32 * p;
        const __m512i m15 = _mm512_set1_epi32(15), magic = _mm512_set1_epi32(MAGIC_U);
        __m512i a = bytes_u32(qs), b = bytes_u32(qs + 16);
        __m512 d1 = _mm512_set1_ps(c[2 * p]), m1 = _mm512_set1_ps(c[8 + 2 * p]), n1 = _mm512_set1_ps(c[16 + 2 * p]);
        __m512 d2 = _mm512_set1_ps(c[2 * p + 1]), m2 = _mm512_set1_ps(c[9 + 2 * p]);
        __m512 n2 = _mm512_set1_ps(c[17 + 2 * p]);
        // (x & 15) | magic in one vpternlogd (0xEA = A & B | C).
        w[0] = _mm512_sub_ps(_mm512_fmadd_ps(as_float(_mm512_ternarylogic_epi32(a, m15, magic, 0xEA)), d1, n1), m1);
        w[1] = _mm512_sub_ps(_mm512_fmadd_ps(as_float(_mm512_ternarylogic_epi32(b, m15, magic, 0xEA)), d1, n1), m1);
        w[2] = _mm512_sub_ps(_mm512_fmadd_ps(as_float(_mm512_or_si512(_mm512_srli_epi32(a, 4), magic)), d2, n2), m2);
        w[3] = _mm512_sub_ps(_mm512_fmadd_ps(as_float(_mm512_or_si512(_mm512_srli_epi32(b, 4), magic)), d2, n2), m2);
        break;
    }
    case TG_Q6_K: {
        // Part p = half n (128 weights) and quarter pair h: weights 128n + 64h + 16v for v = 0..3 take the low
        // (h = 0) or high (h = 1) nibbles of ql[64n + 16v ..], and bits 2*(2h + v/2) of qh[32n + 16(v%2) ..].
        const int n = p >> 1, h = p & 1;
        const char *ql = blk + 64 * n, *qh = blk + 128 + 32 * n;
        const __m512i m15 = _mm512_set1_epi32(15), m48 = _mm512_set1_epi32(0x30);
        const __m512i magic = _mm512_set1_epi32(MAGIC_S - 32); // q - 32 in magic form
#pragma GCC unroll 4
        for (int v = 0; v < 4; v++) {
            __m512i lo = bytes_u32(ql + 16 * v);
            lo = h ? _mm512_srli_epi32(lo, 4) : _mm512_and_si512(lo, m15);
            __m512i hb = bytes_u32(qh + 16 * (v & 1));
            const int s = 4 * h + 2 * (v >> 1); // the 2 bits at position s move to bits 4-5
            hb = s <= 4 ? _mm512_slli_epi32(hb, 4 - s) : _mm512_srli_epi32(hb, s - 4);
            // lo | (hb & 0x30) in one vpternlogd (0xF8 = A | B & C), then + magic - 32.
            __m512i q = _mm512_add_epi32(_mm512_ternarylogic_epi32(lo, hb, m48, 0xF8), magic);
            const int g = 8 * n + 4 * h + v;
            w[v] = _mm512_fmadd_ps(as_float(q), _mm512_set1_ps(c[g]), _mm512_set1_ps(c[16 + g]));
        }
        break;
    }
    }
}

// ---- Decode (n_tok == 1) -----------------------------------------------------------------------------------------

// R (<= DECODE_ROWS) rows starting at r0; K-quant contexts at ctx + i*nb*CS. Bytes up to `limit` (from W) may be
// prefetched.
INLINE void decode_rows(const int type, const char *W, size_t rb, const float *x, size_t nb, float *y, size_t r0,
                        const float *ctx, size_t limit, const int R) {
    __m512 acc[DECODE_ROWS];
    for (int i = 0; i < R; i++) acc[i] = _mm512_setzero_ps();
    // The rows are contiguous, so these R rows are one range of R*rb bytes, read R*BB bytes per block step but
    // spread over R streams, which the hardware prefetchers follow poorly. Each step prefetches the matching
    // R*BB bytes of the range PREFETCH_AHEAD bytes further on.
    const size_t ahead = r0 * rb + PREFETCH_AHEAD;
    for (size_t b = 0; b < nb; b++) {
        for (size_t off = ahead + b * R * BB(type), e = off + R * BB(type); off < e && off < limit; off += 64)
            _mm_prefetch(W + off, _MM_HINT_T0);
        const float *xb = x + b * BK(type);
        for (int i = 0; i < R; i++) {
            const char *blk = W + (r0 + i) * rb + b * BB(type);
            const float *c = KQUANT(type) ? ctx + (i * nb + b) * CS(type) : NULL;
            for (int p = 0; p < NP(type); p++) {
                __m512 w[4];
                deq_part(type, blk, c, p, w);
                for (int v = 0; v < NV(type); v++)
                    acc[i] = _mm512_fmadd_ps(w[v], _mm512_loadu_ps(xb + 16 * (p * NV(type) + v)), acc[i]);
            }
        }
    }
    int i = 0;
    for (; i + 4 <= R; i += 4) _mm_storeu_ps(y + r0 + i, hsum4(acc[i], acc[i + 1], acc[i + 2], acc[i + 3]));
    for (; i < R; i++) y[r0 + i] = hsum(acc[i]);
}

// Rows [r, r + n) in groups of DECODE_ROWS, then 4, then the rest.
INLINE void decode_range(const int type, const char *W, size_t rb, const float *x, size_t nb, float *y, size_t r,
                         size_t n, const float *ctx, size_t limit) {
    const size_t per_row = nb * CS(type);
    size_t i = 0;
    for (; i + DECODE_ROWS <= n; i += DECODE_ROWS)
        decode_rows(type, W, rb, x, nb, y, r + i, ctx + i * per_row, limit, DECODE_ROWS);
    if (n - i >= 4) {
        decode_rows(type, W, rb, x, nb, y, r + i, ctx + i * per_row, limit, 4);
        i += 4;
    }
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
    _Alignas(64) float stack[CTX_FLOATS];
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

// Dequantizes R rows starting at r0 into buf (row i at buf + i*K); ctx has room for R rows of contexts.
INLINE void dequantize_rows(const int type, const char *W, size_t rb, size_t K, size_t r0, int R, float *buf,
                            float *ctx) {
    if (type == TG_F16 || type == TG_BF16) {
        for (int i = 0; i < R; i++) {
            const char *row = W + (r0 + i) * rb;
            float *out = buf + (size_t)i * K;
            size_t k = 0;
            for (; k + 16 <= K; k += 16) {
                __m256i h = _mm256_loadu_si256((const __m256i *)(const void *)(row + 2 * k));
                __m512 v = type == TG_F16 ? _mm512_cvtph_ps(h)
                                          : _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(h), 16));
                _mm512_storeu_ps(out + k, v);
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
                __m512 w[4];
                deq_part(type, blk, c, p, w);
                for (int v = 0; v < NV(type); v++) _mm512_storeu_ps(out + b * BK(type) + 16 * (p * NV(type) + v), w[v]);
            }
        }
    }
}

// Register tile: R rows (float rows at w[i], any alignment) x T tokens (x + t*K), full K; writes y[t*ldy + i].
INLINE void tile(const char *const *w, const float *x, size_t K, float *y, size_t ldy, const int R, const int T) {
    __m512 acc[RMAX][TMAX];
    for (int i = 0; i < R; i++)
        for (int t = 0; t < T; t++) acc[i][t] = _mm512_setzero_ps();
    size_t k = 0;
    for (; k + 16 <= K; k += 16) {
        __m512 wv[RMAX];
        for (int i = 0; i < R; i++) wv[i] = _mm512_loadu_ps(w[i] + 4 * k);
        for (int t = 0; t < T; t++) {
            __m512 xv = _mm512_loadu_ps(x + t * K + k);
            for (int i = 0; i < R; i++) acc[i][t] = _mm512_fmadd_ps(wv[i], xv, acc[i][t]);
        }
    }
    if (k < K) {
        // Only F32/F16/BF16 rows can end mid-vector; the missing lanes load as 0 and add 0*0.
        __mmask16 m = (__mmask16)((1u << (K - k)) - 1);
        __m512 wv[RMAX];
        for (int i = 0; i < R; i++) wv[i] = _mm512_maskz_loadu_ps(m, w[i] + 4 * k);
        for (int t = 0; t < T; t++) {
            __m512 xv = _mm512_maskz_loadu_ps(m, x + t * K + k);
            for (int i = 0; i < R; i++) acc[i][t] = _mm512_fmadd_ps(wv[i], xv, acc[i][t]);
        }
    }
    if (R == 4) {
        for (int t = 0; t < T; t++) _mm_storeu_ps(y + t * ldy, hsum4(acc[0][t], acc[1][t], acc[2][t], acc[3][t]));
    } else {
        for (int i = 0; i < R; i++)
            for (int t = 0; t < T; t++) y[t * ldy + i] = hsum(acc[i][t]);
    }
}

// Instantiates tile() for each (R, T) so the accumulators stay in registers.
static TARGET void tile_any(const char *const *w, const float *x, size_t K, float *y, size_t ldy, int R, int T) {
#define TILE_CASE(r, t)                                                                                               \
    case (r) * 8 + (t): tile(w, x, K, y, ldy, r, t); break;
#define TILE_ROW(r) TILE_CASE(r, 1) TILE_CASE(r, 2) TILE_CASE(r, 3) TILE_CASE(r, 4) TILE_CASE(r, 5) TILE_CASE(r, 6)
    switch (R * 8 + T) {
        TILE_ROW(1)
        TILE_ROW(2)
        TILE_ROW(3)
        TILE_ROW(4)
    default: break;
    }
#undef TILE_ROW
#undef TILE_CASE
}

// ---- Entry point -------------------------------------------------------------------------------------------------

// One instantiation per type of each path (the type is a constant inside).
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

TARGET void tg_matmul_avx512(TG_MATMUL_ARGS) {
    if (n_tok == 1) {
        switch (type) {
        case TG_Q8_0: decode_q8_0(W, row_bytes, x, K, y, row_begin, row_end); return;
        case TG_Q5_0: decode_q5_0(W, row_bytes, x, K, y, row_begin, row_end); return;
        case TG_Q4_K: decode_q4_K(W, row_bytes, x, K, y, row_begin, row_end); return;
        case TG_Q6_K: decode_q6_K(W, row_bytes, x, K, y, row_begin, row_end); return;
        default: break; // float types: the tile below reads (or converts) the rows directly
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
    default: break; // F32: no conversion
    }
    // RMAX dequantized rows and their block contexts: on the stack for K <= 2048 (32 + 4 KiB), else the heap.
    _Alignas(64) float stack[RMAX * 2048], stack_ctx[RMAX * 256];
    float *buf = stack, *ctx = stack_ctx;
    if (deq && K > 2048) {
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
