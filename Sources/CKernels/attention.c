// Softmax attention of the query heads that share one key/value head, over a run of cached positions. It used to
// be Swift (SIMD16<Float> compiled for baseline x86-64: SSE, no FMA) one head at a time: 26% of a 512-token
// prefill's CPU time. Here every key and value row is loaded once for all the heads of the group (4 in Gemma 3
// 270M) and the arithmetic is AVX-512 or AVX2 with FMA.
//
// Numerics, per head h and key j (fixed whatever the thread split, batch or position of the query in its batch):
//   s[j]  = dot(q_h, k_j): lanes over the head dimension (16 on AVX-512, 8 on AVX2 and portable) accumulated with
//           FMA in increasing d, a zero-padded last vector, then the same fixed reduction tree as the matrix kernels;
//   e[j]  = expf(s[j] - max_j s) (libm), total = e[0] + e[1] + ... in order, p[j] = e[j] * (1 / total);
//   out_h = sum over j in order of p[j] * v_j, one FMA per element per key, starting from 0.
#include "ckernels.h"
#include "kernels_internal.h"
#include <math.h>
#if defined(__x86_64__)
#include <immintrin.h>
#endif

// Softmax over each head's row of scores (s + h*n, n entries), in place: the probabilities.
static void softmax_rows(float *s, size_t heads, size_t n) {
    for (size_t h = 0; h < heads; h++) {
        float *row = s + h * n;
        float maximum = -INFINITY;
        for (size_t j = 0; j < n; j++) maximum = row[j] > maximum ? row[j] : maximum;
        float total = 0;
        for (size_t j = 0; j < n; j++) {
            float e = expf(row[j] - maximum);
            row[j] = e;
            total += e;
        }
        float inv = 1 / total;
        for (size_t j = 0; j < n; j++) row[j] *= inv;
    }
}

// The key/value row of position j of the two runs.
static inline const float *row_at(const float *a, size_t na, const float *b, size_t j, size_t stride) {
    return j < na ? a + j * stride : b + (j - na) * stride;
}

// ---- Portable ----------------------------------------------------------------------------------------------------

static inline float madd(float a, float b, float c) {
#ifdef FP_FAST_FMAF
    return fmaf(a, b, c);
#else
    return a * b + c;
#endif
}

static void attend_portable(const float *q, size_t heads, size_t hd, const float *k0, const float *v0, size_t n0,
                            const float *k1, const float *v1, size_t n1, size_t stride, float *s, float *out) {
    const size_t n = n0 + n1;
    for (size_t j = 0; j < n; j++) {
        const float *key = row_at(k0, n0, k1, j, stride);
        for (size_t h = 0; h < heads; h++) {
            const float *qh = q + h * hd;
            float l[8] = {0, 0, 0, 0, 0, 0, 0, 0};
            size_t d = 0;
            for (; d + 8 <= hd; d += 8)
                for (int i = 0; i < 8; i++) l[i] = madd(qh[d + i], key[d + i], l[i]);
            for (int i = 0; d < hd; d++, i++) l[i] = madd(qh[d], key[d], l[i]);
            float a0 = l[0] + l[4], a1 = l[1] + l[5], a2 = l[2] + l[6], a3 = l[3] + l[7];
            s[h * n + j] = (a0 + a2) + (a1 + a3);
        }
    }
    softmax_rows(s, heads, n);
    for (size_t i = 0; i < heads * hd; i++) out[i] = 0;
    for (size_t j = 0; j < n; j++) {
        const float *value = row_at(v0, n0, v1, j, stride);
        for (size_t h = 0; h < heads; h++) {
            const float p = s[h * n + j];
            float *o = out + h * hd;
            for (size_t d = 0; d < hd; d++) o[d] = madd(p, value[d], o[d]);
        }
    }
}

#if defined(__x86_64__)
#define TARGET512 __attribute__((target("avx512f,avx512bw,avx512vl,avx2,fma,f16c")))
#define INLINE512 static inline __attribute__((always_inline)) TARGET512
#define TARGET2 __attribute__((target("avx2,fma,f16c")))
#define INLINE2 static inline __attribute__((always_inline)) TARGET2

// ---- AVX-512 -----------------------------------------------------------------------------------------------------

// The matrix kernels' reduction tree (matmul_avx512.c, hsum).
INLINE512 float hsum512(__m512 v) {
    __m256 a = _mm256_add_ps(_mm512_castps512_ps256(v), _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v), 1)));
    __m128 b = _mm_add_ps(_mm256_castps256_ps128(a), _mm256_extractf128_ps(a, 1));
    b = _mm_add_ps(b, _mm_movehl_ps(b, b));
    b = _mm_add_ss(b, _mm_movehdup_ps(b));
    return _mm_cvtss_f32(b);
}

INLINE512 __mmask16 lanes512(size_t hd, size_t d) { return hd - d >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << (hd - d)) - 1); }

// Scores of H heads (H <= 4) against one key.
INLINE512 void scores512(const float *q, size_t hd, const int H, const float *key, float *s, size_t n) {
    __m512 acc[4];
    for (int h = 0; h < H; h++) acc[h] = _mm512_setzero_ps();
    for (size_t d = 0; d < hd; d += 16) {
        const __mmask16 m = lanes512(hd, d);
        const __m512 kv = _mm512_maskz_loadu_ps(m, key + d);
        for (int h = 0; h < H; h++) acc[h] = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, q + (size_t)h * hd + d), kv, acc[h]);
    }
    for (int h = 0; h < H; h++) s[(size_t)h * n] = hsum512(acc[h]);
}

// out[h][d .. d + 16*C) for H heads (H <= 4) and C vectors (C <= 4), over all n keys.
INLINE512 void values512(const float *s, size_t n, const int H, const int C, const float *v0, size_t n0,
                         const float *v1, size_t stride, size_t hd, size_t d, float *out) {
    __m512 acc[4][4];
    __mmask16 m[4];
    for (int c = 0; c < C; c++) m[c] = lanes512(hd, d + 16 * (size_t)c);
    for (int h = 0; h < H; h++)
        for (int c = 0; c < C; c++) acc[h][c] = _mm512_setzero_ps();
    for (size_t j = 0; j < n; j++) {
        const float *value = row_at(v0, n0, v1, j, stride) + d;
        __m512 vv[4];
        for (int c = 0; c < C; c++) vv[c] = _mm512_maskz_loadu_ps(m[c], value + 16 * c);
        for (int h = 0; h < H; h++) {
            const __m512 p = _mm512_set1_ps(s[(size_t)h * n + j]);
            for (int c = 0; c < C; c++) acc[h][c] = _mm512_fmadd_ps(p, vv[c], acc[h][c]);
        }
    }
    for (int h = 0; h < H; h++)
        for (int c = 0; c < C; c++) _mm512_mask_storeu_ps(out + (size_t)h * hd + d + 16 * c, m[c], acc[h][c]);
}

static TARGET512 void attend_avx512(const float *q, size_t heads, size_t hd, const float *k0, const float *v0,
                                    size_t n0, const float *k1, const float *v1, size_t n1, size_t stride, float *s,
                                    float *out) {
    const size_t n = n0 + n1;
    for (size_t h = 0; h < heads; h += 4) {
        const int H = heads - h >= 4 ? 4 : (int)(heads - h);
        const float *qh = q + h * hd;
        float *sh = s + h * n;
        for (size_t j = 0; j < n; j++) {
            const float *key = row_at(k0, n0, k1, j, stride);
            switch (H) {
            case 4: scores512(qh, hd, 4, key, sh + j, n); break;
            case 3: scores512(qh, hd, 3, key, sh + j, n); break;
            case 2: scores512(qh, hd, 2, key, sh + j, n); break;
            default: scores512(qh, hd, 1, key, sh + j, n); break;
            }
        }
    }
    softmax_rows(s, heads, n);
    for (size_t h = 0; h < heads; h += 4) {
        const int H = heads - h >= 4 ? 4 : (int)(heads - h);
        for (size_t d = 0; d < hd;) {
            const size_t left = (hd - d + 15) / 16;
            const int C = left >= 4 ? 4 : 1;
#define VALUES_CASE(hh, cc)                                                                                           \
    case (hh) * 8 + (cc): values512(s + h * n, n, hh, cc, v0, n0, v1, stride, hd, d, out + h * hd); break;
            switch (H * 8 + C) {
                VALUES_CASE(4, 4) VALUES_CASE(3, 4) VALUES_CASE(2, 4) VALUES_CASE(1, 4)
                VALUES_CASE(4, 1) VALUES_CASE(3, 1) VALUES_CASE(2, 1) VALUES_CASE(1, 1)
            default: break;
            }
#undef VALUES_CASE
            d += 16 * (size_t)C;
        }
    }
}

// ---- AVX2 --------------------------------------------------------------------------------------------------------

// The matrix kernels' reduction tree (matmul_avx2.c, hsum).
INLINE2 float hsum256(__m256 v) {
    __m128 a = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    a = _mm_add_ps(a, _mm_movehl_ps(a, a));
    a = _mm_add_ss(a, _mm_movehdup_ps(a));
    return _mm_cvtss_f32(a);
}

// Lane mask for the floats d .. d+7 of hd (all ones on a full vector).
INLINE2 __m256i lanes256(size_t hd, size_t d) {
    const int left = hd - d >= 8 ? 8 : (int)(hd - d);
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(left), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

INLINE2 void scores256(const float *q, size_t hd, const int H, const float *key, float *s, size_t n) {
    __m256 acc[4];
    for (int h = 0; h < H; h++) acc[h] = _mm256_setzero_ps();
    size_t d = 0;
    for (; d + 8 <= hd; d += 8) {
        const __m256 kv = _mm256_loadu_ps(key + d);
        for (int h = 0; h < H; h++) acc[h] = _mm256_fmadd_ps(_mm256_loadu_ps(q + (size_t)h * hd + d), kv, acc[h]);
    }
    if (d < hd) {
        const __m256i m = lanes256(hd, d);
        const __m256 kv = _mm256_maskload_ps(key + d, m);
        for (int h = 0; h < H; h++) acc[h] = _mm256_fmadd_ps(_mm256_maskload_ps(q + (size_t)h * hd + d, m), kv, acc[h]);
    }
    for (int h = 0; h < H; h++) s[(size_t)h * n] = hsum256(acc[h]);
}

// out[h][d .. d + 8*C) for H heads (H <= 4) and C vectors (C <= 2), over all n keys.
INLINE2 void values256(const float *s, size_t n, const int H, const int C, const float *v0, size_t n0,
                       const float *v1, size_t stride, size_t hd, size_t d, float *out) {
    __m256 acc[4][2];
    __m256i m[2];
    for (int c = 0; c < C; c++) m[c] = lanes256(hd, d + 8 * (size_t)c);
    for (int h = 0; h < H; h++)
        for (int c = 0; c < C; c++) acc[h][c] = _mm256_setzero_ps();
    for (size_t j = 0; j < n; j++) {
        const float *value = row_at(v0, n0, v1, j, stride) + d;
        __m256 vv[2];
        for (int c = 0; c < C; c++) vv[c] = _mm256_maskload_ps(value + 8 * c, m[c]);
        for (int h = 0; h < H; h++) {
            const __m256 p = _mm256_broadcast_ss(s + (size_t)h * n + j);
            for (int c = 0; c < C; c++) acc[h][c] = _mm256_fmadd_ps(p, vv[c], acc[h][c]);
        }
    }
    for (int h = 0; h < H; h++)
        for (int c = 0; c < C; c++) _mm256_maskstore_ps(out + (size_t)h * hd + d + 8 * c, m[c], acc[h][c]);
}

static TARGET2 void attend_avx2(const float *q, size_t heads, size_t hd, const float *k0, const float *v0, size_t n0,
                                const float *k1, const float *v1, size_t n1, size_t stride, float *s, float *out) {
    const size_t n = n0 + n1;
    for (size_t h = 0; h < heads; h += 4) {
        const int H = heads - h >= 4 ? 4 : (int)(heads - h);
        const float *qh = q + h * hd;
        float *sh = s + h * n;
        for (size_t j = 0; j < n; j++) {
            const float *key = row_at(k0, n0, k1, j, stride);
            switch (H) {
            case 4: scores256(qh, hd, 4, key, sh + j, n); break;
            case 3: scores256(qh, hd, 3, key, sh + j, n); break;
            case 2: scores256(qh, hd, 2, key, sh + j, n); break;
            default: scores256(qh, hd, 1, key, sh + j, n); break;
            }
        }
    }
    softmax_rows(s, heads, n);
    for (size_t h = 0; h < heads; h += 4) {
        const int H = heads - h >= 4 ? 4 : (int)(heads - h);
        for (size_t d = 0; d < hd;) {
            const size_t left = (hd - d + 7) / 8;
            const int C = left >= 2 ? 2 : 1;
#define VALUES_CASE(hh, cc)                                                                                           \
    case (hh) * 8 + (cc): values256(s + h * n, n, hh, cc, v0, n0, v1, stride, hd, d, out + h * hd); break;
            switch (H * 8 + C) {
                VALUES_CASE(4, 2) VALUES_CASE(3, 2) VALUES_CASE(2, 2) VALUES_CASE(1, 2)
                VALUES_CASE(4, 1) VALUES_CASE(3, 1) VALUES_CASE(2, 1) VALUES_CASE(1, 1)
            default: break;
            }
#undef VALUES_CASE
            d += 8 * (size_t)C;
        }
    }
}
#endif

void tg_attend(int level, const float *q, size_t heads, size_t hd, const float *k0, const float *v0, size_t n0,
               const float *k1, const float *v1, size_t n1, size_t stride, float *scores, float *out) {
    if (heads == 0 || hd == 0) return;
    if (n0 + n1 == 0) {
        for (size_t i = 0; i < heads * hd; i++) out[i] = 0;
        return;
    }
    switch (tg_resolve_level(level)) {
#if defined(__x86_64__)
    case TG_LEVEL_AVX512: attend_avx512(q, heads, hd, k0, v0, n0, k1, v1, n1, stride, scores, out); break;
    case TG_LEVEL_AVX2: attend_avx2(q, heads, hd, k0, v0, n0, k1, v1, n1, stride, scores, out); break;
#endif
    default: attend_portable(q, heads, hd, k0, v0, n0, k1, v1, n1, stride, scores, out); break;
    }
}
