// Portable kernels: dequantize one row into a float buffer, then one 8-lane dot product per token. The same row
// buffer serves every token, and a row's dot product does not depend on which other rows or tokens are in the call.
// Package.swift compiles this target with -ffp-contract=off, which the formulas below rely on: a compiler allowed
// to fuse `d1 * q - m1` into one FMA would no longer round like ggml.
#include "kernels_internal.h"
#include <math.h>
#include <stdlib.h>

// One multiply-accumulate step. Where the compiler knows fmaf is a single instruction (e.g. arm64) use it, which
// rounds like the AVX2 path; otherwise fmaf would be a slow library call, so multiply and add separately (the build
// uses -ffp-contract=off, so this stays two roundings and is deterministic).
static inline float madd(float a, float b, float c) {
#ifdef FP_FAST_FMAF
    return fmaf(a, b, c);
#else
    return a * b + c;
#endif
}

// Dot product with 8 partial sums (lane l takes k = l mod 8, in increasing k), reduced as
// (s0+s4, s1+s5, s2+s6, s3+s7) -> (a0+a2, a1+a3) -> b0+b1, the same tree as the AVX2 path.
static float dot8(const float *w, const float *x, size_t K) {
    float s[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    size_t k = 0;
    for (; k + 8 <= K; k += 8)
        for (int l = 0; l < 8; l++) s[l] = madd(w[k + l], x[k + l], s[l]);
    for (int l = 0; k < K; k++, l++) s[l] = madd(w[k], x[k], s[l]);
    float a0 = s[0] + s[4], a1 = s[1] + s[5], a2 = s[2] + s[6], a3 = s[3] + s[7];
    return (a0 + a2) + (a1 + a3);
}

// Dequantizes one row of K values (ggml's formulas, evaluated in the same f32 order as Dequantize.swift).
static void dequantize_row(int type, const char *row, size_t K, float *out) {
    switch (type) {
    case TG_F32:
        memcpy(out, row, K * sizeof(float));
        break;
    case TG_F16:
        for (size_t i = 0; i < K; i++) out[i] = tg_half_to_float(tg_load_u16(row + 2 * i));
        break;
    case TG_BF16:
        for (size_t i = 0; i < K; i++) {
            uint32_t bits = (uint32_t)tg_load_u16(row + 2 * i) << 16;
            memcpy(&out[i], &bits, sizeof bits);
        }
        break;
    case TG_Q8_0:
        for (size_t b = 0; b < K / 32; b++) {
            const char *blk = row + 34 * b;
            float d = tg_half_to_float(tg_load_u16(blk));
            for (int j = 0; j < 32; j++) out[32 * b + j] = d * (float)(int8_t)blk[2 + j];
        }
        break;
    case TG_Q5_0:
        for (size_t b = 0; b < K / 32; b++) {
            const char *blk = row + 22 * b;
            float d = tg_half_to_float(tg_load_u16(blk));
            uint32_t qh = tg_load_u32(blk + 2);
            for (int j = 0; j < 16; j++) {
                uint8_t q = (uint8_t)blk[6 + j];
                int x0 = (int)((q & 0x0F) | (((qh >> j) & 1) << 4)) - 16;
                int x1 = (int)((q >> 4) | (((qh >> (j + 16)) & 1) << 4)) - 16;
                out[32 * b + j] = (float)x0 * d;
                out[32 * b + j + 16] = (float)x1 * d;
            }
        }
        break;
    case TG_Q4_K:
        for (size_t b = 0; b < K / 256; b++) {
            const char *blk = row + 144 * b;
            float d = tg_half_to_float(tg_load_u16(blk)), dmin = tg_half_to_float(tg_load_u16(blk + 2));
            uint8_t sm[16];
            tg_q4_K_scales(blk + 4, sm);
            const uint8_t *qs = (const uint8_t *)blk + 16;
            float *o = out + 256 * b;
            for (int c = 0; c < 4; c++) {
                float d1 = d * (float)sm[2 * c], m1 = dmin * (float)sm[8 + 2 * c];
                float d2 = d * (float)sm[2 * c + 1], m2 = dmin * (float)sm[8 + 2 * c + 1];
                for (int l = 0; l < 32; l++) {
                    o[64 * c + l] = d1 * (float)(qs[32 * c + l] & 0xF) - m1;
                    o[64 * c + 32 + l] = d2 * (float)(qs[32 * c + l] >> 4) - m2;
                }
            }
        }
        break;
    case TG_Q6_K:
        for (size_t b = 0; b < K / 256; b++) {
            const uint8_t *blk = (const uint8_t *)row + 210 * b;
            float d = tg_half_to_float(tg_load_u16((const char *)blk + 208));
            float *o = out + 256 * b;
            for (int n = 0; n < 2; n++) {
                const uint8_t *ql = blk + 64 * n, *qh = blk + 128 + 32 * n;
                const int8_t *sc = (const int8_t *)(blk + 192 + 8 * n);
                for (int l = 0; l < 32; l++) {
                    int is = l / 16;
                    int q1 = (int)((ql[l] & 0xF) | ((qh[l] & 3) << 4)) - 32;
                    int q2 = (int)((ql[l + 32] & 0xF) | (((qh[l] >> 2) & 3) << 4)) - 32;
                    int q3 = (int)((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32;
                    int q4 = (int)((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32;
                    o[128 * n + l] = d * (float)sc[is] * (float)q1;
                    o[128 * n + l + 32] = d * (float)sc[is + 2] * (float)q2;
                    o[128 * n + l + 64] = d * (float)sc[is + 4] * (float)q3;
                    o[128 * n + l + 96] = d * (float)sc[is + 6] * (float)q4;
                }
            }
        }
        break;
    default:
        break;
    }
}

void tg_matmul_portable(TG_MATMUL_ARGS) {
    // One row of floats; on the stack for the model's shapes, on the heap for anything larger.
    float stack[4096];
    float *row = K <= 4096 ? stack : malloc(K * sizeof(float));
    if (!row) abort();
    for (size_t r = row_begin; r < row_end; r++) {
        dequantize_row(type, W + r * row_bytes, K, row);
        for (size_t t = 0; t < n_tok; t++) y[t * ldy + r] = dot8(row, x + t * K, K);
    }
    if (row != stack) free(row);
}
