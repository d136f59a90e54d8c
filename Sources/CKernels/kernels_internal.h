// Declarations shared by the kernel sources (not part of the public header).
#ifndef TGPLAY_KERNELS_INTERNAL_H
#define TGPLAY_KERNELS_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

// GGUF data is little-endian and the kernels read it with native loads.
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the tgplay kernels assume a little-endian CPU"
#endif

// ggml type ids (GGMLType.rawValue in Swift).
enum { TG_F32 = 0, TG_F16 = 1, TG_Q5_0 = 6, TG_Q8_0 = 8, TG_Q4_K = 12, TG_Q6_K = 14, TG_BF16 = 30 };

// Every implementation has this signature; `type` is one of the ids above and the arguments are already checked.
#define TG_MATMUL_ARGS                                                                                                \
    int type, const char *W, size_t row_bytes, const float *x, size_t K, size_t n_tok, float *y, size_t ldy,          \
        size_t row_begin, size_t row_end

void tg_matmul_portable(TG_MATMUL_ARGS);

// A requested level made valid: negative means tg_kernels_level(), others are clamped to what the CPU supports.
int tg_resolve_level(int level);
#if defined(__x86_64__)
void tg_matmul_avx2(TG_MATMUL_ARGS);
void tg_matmul_avx512(TG_MATMUL_ARGS);
#endif

// Exact IEEE binary16 -> binary32 (every half is representable as a float), without any CPU extension.
static inline float tg_half_to_float(uint16_t h) {
    uint32_t sign = (uint32_t)(h & 0x8000) << 16;
    uint32_t exponent = (h >> 10) & 0x1F;
    uint32_t mantissa = h & 0x3FF;
    uint32_t bits;
    if (exponent == 0) {
        if (mantissa == 0) {
            bits = sign;
        } else {
            // Subnormal half: shift the mantissa up until its leading 1 reaches the implicit-bit position.
            int e = -1;
            do { e++; mantissa <<= 1; } while ((mantissa & 0x400) == 0);
            bits = sign | ((uint32_t)(127 - 15 - e) << 23) | ((mantissa & 0x3FF) << 13);
        }
    } else if (exponent == 31) {
        bits = sign | 0x7F800000 | (mantissa << 13);
    } else {
        bits = sign | ((exponent + 127 - 15) << 23) | (mantissa << 13);
    }
    float f;
    memcpy(&f, &bits, sizeof f);
    return f;
}

// Reads a little-endian u16/u32 at any alignment.
static inline uint16_t tg_load_u16(const char *p) {
    uint16_t v;
    memcpy(&v, p, sizeof v);
    return v;
}
static inline uint32_t tg_load_u32(const char *p) {
    uint32_t v;
    memcpy(&v, p, sizeof v);
    return v;
}

// Q4_K packs 8 six-bit scales and 8 six-bit mins into 12 bytes (ggml's get_scale_min_k4). Unpacks them as four
// little-endian words holding the bytes sc[0..3], sc[4..7], m[0..3], m[4..7]:
//   bytes 0-3:  low 6 bits = sc[0..3], top 2 bits = high bits of sc[4..7]
//   bytes 4-7:  low 6 bits = m[0..3],  top 2 bits = high bits of m[4..7]
//   bytes 8-11: low nibble = low 4 bits of sc[4..7], high nibble = low 4 bits of m[4..7]
// (Shifting a whole word moves every byte's bits 6-7 to bits 0-1 of the same byte; the masks drop the rest.)
static inline void tg_q4_K_scale_words(const char *s, uint32_t out[4]) {
    uint32_t a = tg_load_u32(s), b = tg_load_u32(s + 4), c = tg_load_u32(s + 8);
    out[0] = a & 0x3F3F3F3Fu;
    out[1] = (c & 0x0F0F0F0Fu) | (((a >> 6) & 0x03030303u) << 4);
    out[2] = b & 0x3F3F3F3Fu;
    out[3] = ((c >> 4) & 0x0F0F0F0Fu) | (((b >> 6) & 0x03030303u) << 4);
}

// The same as 16 bytes: out[0..7] = scales, out[8..15] = mins.
static inline void tg_q4_K_scales(const char *s, uint8_t out[16]) {
    uint32_t w[4];
    tg_q4_K_scale_words(s, w);
    memcpy(out, w, sizeof w);
}

#endif
