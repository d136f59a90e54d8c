// SIMD kernels for the built-in engine. Plain C so the compiler can use AVX2/FMA/AVX-512 where the CPU has them
// (chosen once at run time); every function also has a portable path.
#ifndef TGPLAY_CKERNELS_H
#define TGPLAY_CKERNELS_H

#include <stddef.h>
#include <stdint.h>

/// Instruction-set levels. The kernels pick the best one the CPU has, once, at the first call.
enum {
    TG_LEVEL_PORTABLE = 0, ///< plain C (any CPU)
    TG_LEVEL_AVX2 = 2,     ///< x86-64 with AVX2, FMA and F16C
    TG_LEVEL_AVX512 = 3,   ///< x86-64 with AVX-512 F/BW/VL (plus the AVX2 set)
};

/// The level the kernels use: the detected one, lowered by `tg_kernels_force_level` or by the environment variable
/// `TGPLAY_KERNELS_LEVEL` (0, 2 or 3; read at the first call). Never higher than what the CPU supports.
int tg_kernels_level(void);

/// The best level this CPU supports, ignoring any override.
int tg_kernels_detected_level(void);

/// Makes every later call use `level` (clamped to the detected level; a negative value restores the detected one)
/// and returns the level now in effect. Process-wide: meant for benchmarks and the command line, not for use while
/// other threads are multiplying (tests should call `tg_matmul` with an explicit level instead).
int tg_kernels_force_level(int level);

/// Converts IEEE binary16 values to float.
void tg_f16_to_f32(const uint16_t *src, float *dst, size_t count);

// Matrix kernels. For t in [0, n_tok) and r in [row_begin, row_end):
//     y[t*ldy + r] = sum_k W[r,k] * x[t*K + k]
// W is a matrix in its raw GGUF encoding: row r starts at (const char *)W + r*row_bytes. x holds n_tok float32
// activation vectors of K values each (not quantized). K must be a multiple of the type's block size (32 for
// Q8_0/Q5_0, 256 for Q4_K/Q6_K, any K for F32/F16/BF16). No alignment is required of W, x or y.
//
// Numerics: each output is one dot product of the exactly dequantized weights (ggml's formulas, same f32 values as
// `Dequantize.row`) with x, accumulated in f32 in a fixed order (SIMD lanes over k, then a fixed reduction tree).
// For a given level the result does not depend on the row range (so any split of rows over threads gives the same
// bits), nor on n_tok or the token's position in the batch: token t's output equals what a call with n_tok = 1 on
// x + t*K gives, bit for bit. Levels differ in the low bits: AVX-512 sums in 16 lanes, AVX2 in 8; the portable
// path uses AVX2's 8 lanes and tree, with fmaf where it is one instruction (FP_FAST_FMAF, e.g. arm64), else a
// separate multiply and add.
//
// The functions keep no state: threads may call them at once, e.g. on disjoint row ranges of the same y. A call
// with n_tok = 1 dequantizes in registers (the decode path, bound by memory or vector throughput); with n_tok > 1
// it expands each weight row once into a small buffer and reuses it for every token (the prefill path).
void tg_matmul_f32(const void *W, size_t row_bytes, const float *x, size_t K, size_t n_tok, float *y, size_t ldy,
                   size_t row_begin, size_t row_end);
void tg_matmul_f16(const void *W, size_t row_bytes, const float *x, size_t K, size_t n_tok, float *y, size_t ldy,
                   size_t row_begin, size_t row_end);
void tg_matmul_bf16(const void *W, size_t row_bytes, const float *x, size_t K, size_t n_tok, float *y, size_t ldy,
                    size_t row_begin, size_t row_end);
void tg_matmul_q8_0(const void *W, size_t row_bytes, const float *x, size_t K, size_t n_tok, float *y, size_t ldy,
                    size_t row_begin, size_t row_end);
void tg_matmul_q5_0(const void *W, size_t row_bytes, const float *x, size_t K, size_t n_tok, float *y, size_t ldy,
                    size_t row_begin, size_t row_end);
void tg_matmul_q4_K(const void *W, size_t row_bytes, const float *x, size_t K, size_t n_tok, float *y, size_t ldy,
                    size_t row_begin, size_t row_end);
void tg_matmul_q6_K(const void *W, size_t row_bytes, const float *x, size_t K, size_t n_tok, float *y, size_t ldy,
                    size_t row_begin, size_t row_end);

/// The same for any supported type, given as its ggml type id (GGMLType.rawValue: F32 0, F16 1, Q5_0 6, Q8_0 8,
/// Q4_K 12, Q6_K 14, BF16 30), at an explicit level (clamped to the detected one; negative = `tg_kernels_level()`).
/// Returns 0, or -1 (and writes nothing) if the type is not supported or K is not a multiple of its block size.
int tg_matmul(int ggml_type, int level, const void *W, size_t row_bytes, const float *x, size_t K, size_t n_tok,
              float *y, size_t ldy, size_t row_begin, size_t row_end);

/// gate[i] = gelu(gate[i]) * up[i] for i < n (the feed-forward activation; tanh-form GELU evaluated as
/// x / (1 + exp(-2u)), the same bits at every level). `level` as for `tg_matmul` (negative = `tg_kernels_level()`).
/// Elementwise, so any split of [0, n) over threads gives the same bits.
void tg_gelu_mul(int level, float *gate, const float *up, size_t n);

/// Softmax attention of `heads` query heads sharing one key/value head (grouped-query attention), over n0 + n1
/// cached positions stored as two runs (a ring buffer's wrap): key/value j is at k0/v0 + j*stride for j < n0, then
/// at k1/v1 + (j - n0)*stride. q holds the heads' (already scaled) queries, head h at q + h*hd; out receives head
/// h's output at out + h*hd; scores is scratch for heads * (n0 + n1) floats. The result for a head depends only on
/// its query, the keys and values, and the level (see attention.c for the exact order of operations).
void tg_attend(int level, const float *q, size_t heads, size_t hd, const float *k0, const float *v0, size_t n0,
               const float *k1, const float *v1, size_t n1, size_t stride, float *scores, float *out);

/// Reads `bytes` bytes at p with wide loads and returns a value depending on all of them (so the loop is not
/// removed): a streaming-read bandwidth probe for `tgplay bench engine`.
uint64_t tg_read_stream(const void *p, size_t bytes);

/// Runs `iterations` rounds of independent f32 FMA chains in the vector width of `level` (negative = the level in
/// use) and returns the floating-point operations done (2 per lane per FMA); the result goes to *sink so the loop
/// stays. Timed by the caller on each of its threads at once: the measured f32 FMA peak of those cores.
double tg_fma_probe(int level, size_t iterations, float *sink);

/// One distribution's summary for the stage trace (see stats.c): `maximum` of the scores, `support` the finite
/// ones, and relative to the maximum z = sum exp(x_i - maximum), w = sum exp(x_i - maximum) * (x_i - maximum),
/// both in double (z = w = 0 when no score is finite, or the maximum is +infinity or NaN).
typedef struct {
    float maximum;
    int64_t support;
    double z;
    double w;
} tg_score_stats;

/// Fills `out` for x[0..n). `level` < 0 uses `tg_kernels_level()`.
void tg_score_stats_of(int level, const float *x, size_t n, tg_score_stats *out);

#endif
