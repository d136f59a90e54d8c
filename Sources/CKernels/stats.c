// Summary statistics of one distribution's scores for the stage trace (`StageTrace.measure`): the maximum, the
// number of finite scores, and, relative to the maximum, Z = sum exp(x_i) and W = sum exp(x_i) * x_i, from which
// log-sum-exp (max + log Z) and entropy (log Z - W / Z) follow. It was two Swift passes with libm's exp per score:
// about a millisecond for each of the 262,144 scores of every step that keeps the whole vocabulary.
//
// Numerics: exp is evaluated in double (range reduction by ln 2 in two parts, round-to-nearest through the 1.5 *
// 2^52 constant, degree-12 Taylor polynomial on |r| <= ln2/2: relative error below 1e-15, i.e. a few ulp), scores
// below max - 708 count as exp(-708) (their share of Z is under 1e-300 per score) and -infinity as exactly 0.
// Sums run in 8 double lanes over the array, then a fixed reduction, so a given level gives the same bits every
// run; levels may differ in the last bits (the lanes are the same, the compiler's vector width is not).
#include "ckernels.h"
#include "kernels_internal.h"
#include <math.h>
#include <string.h>

#define LANES 8
#define LOG2E_D 1.4426950408889634
#define LN2_HI_D 6.93147180369123816490e-01
#define LN2_LO_D 1.90821492927058770002e-10
#define ROUNDER 6755399441055744.0 // 1.5 * 2^52

static inline double exp_nonpositive(double x) {
    x = x > -708.0 ? x : -708.0;
    double t = x * LOG2E_D + ROUNDER;
    double n = t - ROUNDER;
    double r = (x - n * LN2_HI_D) - n * LN2_LO_D;
    double p = 1.0 / 479001600.0;
    p = p * r + 1.0 / 39916800.0;
    p = p * r + 1.0 / 3628800.0;
    p = p * r + 1.0 / 362880.0;
    p = p * r + 1.0 / 40320.0;
    p = p * r + 1.0 / 5040.0;
    p = p * r + 1.0 / 720.0;
    p = p * r + 1.0 / 120.0;
    p = p * r + 1.0 / 24.0;
    p = p * r + 1.0 / 6.0;
    p = p * r + 0.5;
    p = p * r + 1.0;
    p = p * r + 1.0;
    uint64_t bits;
    memcpy(&bits, &t, sizeof bits);
    bits = (bits + 1023) << 52; // the low bits of t hold n; n + 1023 is in [1, 1023] here
    double scale;
    memcpy(&scale, &bits, sizeof scale);
    return p * scale;
}

#define STATS_BODY                                                                                                  \
    float lane_max[LANES];                                                                                         \
    int64_t lane_count[LANES];                                                                                     \
    for (int j = 0; j < LANES; j++) { lane_max[j] = -INFINITY; lane_count[j] = 0; }                                \
    size_t i = 0;                                                                                                  \
    for (; i + LANES <= n; i += LANES)                                                                             \
        for (int j = 0; j < LANES; j++) {                                                                          \
            float v = x[i + j];                                                                                    \
            lane_max[j] = v > lane_max[j] ? v : lane_max[j];                                                       \
            lane_count[j] += v > -INFINITY;                                                                        \
        }                                                                                                          \
    float m = -INFINITY;                                                                                           \
    int64_t count = 0;                                                                                             \
    for (int j = 0; j < LANES; j++) { m = lane_max[j] > m ? lane_max[j] : m; count += lane_count[j]; }             \
    for (; i < n; i++) { m = x[i] > m ? x[i] : m; count += x[i] > -INFINITY; }                                     \
    out->maximum = m;                                                                                              \
    out->support = count;                                                                                          \
    out->z = 0;                                                                                                    \
    out->w = 0;                                                                                                    \
    if (!(m > -INFINITY) || !(m < INFINITY)) return;                                                               \
    double md = (double)m, lane_z[LANES], lane_w[LANES];                                                           \
    for (int j = 0; j < LANES; j++) { lane_z[j] = 0; lane_w[j] = 0; }                                              \
    for (i = 0; i + LANES <= n; i += LANES)                                                                        \
        for (int j = 0; j < LANES; j++) {                                                                          \
            float v = x[i + j];                                                                                    \
            double d = (double)v - md;                                                                             \
            double e = v > -INFINITY ? exp_nonpositive(d) : 0.0;                                                   \
            lane_z[j] += e;                                                                                        \
            lane_w[j] += v > -INFINITY ? e * d : 0.0;                                                              \
        }                                                                                                          \
    double z = 0, w = 0;                                                                                           \
    for (int j = 0; j < LANES; j++) { z += lane_z[j]; w += lane_w[j]; }                                            \
    for (; i < n; i++) {                                                                                           \
        if (x[i] > -INFINITY) {                                                                                    \
            double d = (double)x[i] - md, e = exp_nonpositive(d);                                                  \
            z += e;                                                                                                \
            w += e * d;                                                                                            \
        }                                                                                                          \
    }                                                                                                              \
    out->z = z;                                                                                                    \
    out->w = w;

static void stats_portable(const float *x, size_t n, tg_score_stats *out) { STATS_BODY }

#if defined(__x86_64__)
static __attribute__((target("avx512f,avx512bw,avx512vl,avx2,fma"))) void
stats_avx512(const float *x, size_t n, tg_score_stats *out) { STATS_BODY }
static __attribute__((target("avx2,fma"))) void stats_avx2(const float *x, size_t n, tg_score_stats *out) { STATS_BODY }
#endif

void tg_score_stats_of(int level, const float *x, size_t n, tg_score_stats *out) {
    switch (tg_resolve_level(level)) {
#if defined(__x86_64__)
    case TG_LEVEL_AVX512: stats_avx512(x, n, out); break;
    case TG_LEVEL_AVX2: stats_avx2(x, n, out); break;
#endif
    default: stats_portable(x, n, out); break;
    }
}
