/*
 * Stand-in for the OpenBLAS copy that the Linux opencv-python wheel links (~40 MB with
 * its gfortran/quadmath): the 19 BLAS/LAPACK entry points OpenCV imports, forwarded to
 * the OpenBLAS that NumPy already ships (scipy-openblas64: "scipy_" prefix, "64_"
 * suffix, 64-bit integers). Integers are widened on the way in and narrowed on the way
 * out, including the pivot arrays and integer workspaces.
 *
 * packaging/blas_shim.py compiles this into a library with the SONAME cv2 asks for, checks
 * that it exports every symbol cv2 imports from the original (else the original stays),
 * and the frozen smoke test ("lapack" mode) compares cv2.solve/SVDecomp/gemm with NumPy.
 * Hidden Fortran string-length arguments are passed through unchanged.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

typedef int64_t i64;
typedef size_t flen;

#define W(x) i64 x##64 = (i64)(*(x))
#define NARROW(x) (*(x) = (int)x##64)

/* ---- BLAS (CBLAS interface; enums are ints in both ABIs) ---- */
extern void scipy_cblas_sgemm64_(int, int, int, i64, i64, i64, float, const float *, i64,
                                 const float *, i64, float, float *, i64);
extern void scipy_cblas_dgemm64_(int, int, int, i64, i64, i64, double, const double *, i64,
                                 const double *, i64, double, double *, i64);
extern void scipy_cblas_cgemm64_(int, int, int, i64, i64, i64, const void *, const void *, i64,
                                 const void *, i64, const void *, void *, i64);
extern void scipy_cblas_zgemm64_(int, int, int, i64, i64, i64, const void *, const void *, i64,
                                 const void *, i64, const void *, void *, i64);

void cblas_sgemm(int o, int ta, int tb, int m, int n, int k, float alpha, const float *a,
                 int lda, const float *b, int ldb, float beta, float *c, int ldc) {
    scipy_cblas_sgemm64_(o, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}
void cblas_dgemm(int o, int ta, int tb, int m, int n, int k, double alpha, const double *a,
                 int lda, const double *b, int ldb, double beta, double *c, int ldc) {
    scipy_cblas_dgemm64_(o, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}
void cblas_cgemm(int o, int ta, int tb, int m, int n, int k, const void *alpha, const void *a,
                 int lda, const void *b, int ldb, const void *beta, void *c, int ldc) {
    scipy_cblas_cgemm64_(o, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}
void cblas_zgemm(int o, int ta, int tb, int m, int n, int k, const void *alpha, const void *a,
                 int lda, const void *b, int ldb, const void *beta, void *c, int ldc) {
    scipy_cblas_zgemm64_(o, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

/* ---- LAPACK (Fortran interface: everything by pointer) ---- */
static i64 *widen_array(const int *src, i64 count) {
    i64 *dst = (i64 *)malloc(sizeof(i64) * (size_t)(count > 0 ? count : 1));
    if (dst && src)
        for (i64 i = 0; i < count; i++) dst[i] = src[i];
    return dst;
}
static void narrow_array(int *dst, const i64 *src, i64 count) {
    for (i64 i = 0; i < count; i++) dst[i] = (int)src[i];
}
static i64 min64(i64 a, i64 b) { return a < b ? a : b; }

#define GESV(T, P)                                                                          \
    extern void scipy_##P##gesv_64_(i64 *, i64 *, T *, i64 *, i64 *, T *, i64 *, i64 *);     \
    void P##gesv_(int *n, int *nrhs, T *a, int *lda, int *ipiv, T *b, int *ldb, int *info) { \
        W(n); W(nrhs); W(lda); W(ldb); i64 info64 = 0;                                      \
        i64 *piv = widen_array(NULL, n64);                                                  \
        if (!piv) { *info = -1000; return; }                                                \
        scipy_##P##gesv_64_(&n64, &nrhs64, a, &lda64, piv, b, &ldb64, &info64);             \
        narrow_array(ipiv, piv, n64); free(piv); NARROW(info);                              \
    }
GESV(float, s)
GESV(double, d)

#define GETRF(T, P)                                                                          \
    extern void scipy_##P##getrf_64_(i64 *, i64 *, T *, i64 *, i64 *, i64 *);                \
    void P##getrf_(int *m, int *n, T *a, int *lda, int *ipiv, int *info) {                   \
        W(m); W(n); W(lda); i64 info64 = 0; i64 k = min64(m64, n64);                         \
        i64 *piv = widen_array(NULL, k);                                                     \
        if (!piv) { *info = -1000; return; }                                                 \
        scipy_##P##getrf_64_(&m64, &n64, a, &lda64, piv, &info64);                           \
        narrow_array(ipiv, piv, k); free(piv); NARROW(info);                                 \
    }
GETRF(float, s)
GETRF(double, d)

#define POSV(T, P)                                                                           \
    extern void scipy_##P##posv_64_(char *, i64 *, i64 *, T *, i64 *, T *, i64 *, i64 *,     \
                                    flen);                                                   \
    void P##posv_(char *uplo, int *n, int *nrhs, T *a, int *lda, T *b, int *ldb, int *info,  \
                  flen l1) {                                                                 \
        W(n); W(nrhs); W(lda); W(ldb); i64 info64 = 0;                                       \
        scipy_##P##posv_64_(uplo, &n64, &nrhs64, a, &lda64, b, &ldb64, &info64, l1);         \
        NARROW(info);                                                                        \
    }
POSV(float, s)
POSV(double, d)

#define POTRF(T, P)                                                                          \
    extern void scipy_##P##potrf_64_(char *, i64 *, T *, i64 *, i64 *, flen);                \
    void P##potrf_(char *uplo, int *n, T *a, int *lda, int *info, flen l1) {                 \
        W(n); W(lda); i64 info64 = 0;                                                        \
        scipy_##P##potrf_64_(uplo, &n64, a, &lda64, &info64, l1);                            \
        NARROW(info);                                                                        \
    }
POTRF(float, s)
POTRF(double, d)

#define GEQRF(T, P)                                                                          \
    extern void scipy_##P##geqrf_64_(i64 *, i64 *, T *, i64 *, T *, T *, i64 *, i64 *);      \
    void P##geqrf_(int *m, int *n, T *a, int *lda, T *tau, T *work, int *lwork, int *info) { \
        W(m); W(n); W(lda); W(lwork); i64 info64 = 0;                                        \
        scipy_##P##geqrf_64_(&m64, &n64, a, &lda64, tau, work, &lwork64, &info64);           \
        NARROW(info);                                                                        \
    }
GEQRF(float, s)
GEQRF(double, d)

#define GELS(T, P)                                                                           \
    extern void scipy_##P##gels_64_(char *, i64 *, i64 *, i64 *, T *, i64 *, T *, i64 *, T *, \
                                    i64 *, i64 *, flen);                                     \
    void P##gels_(char *trans, int *m, int *n, int *nrhs, T *a, int *lda, T *b, int *ldb,    \
                  T *work, int *lwork, int *info, flen l1) {                                 \
        W(m); W(n); W(nrhs); W(lda); W(ldb); W(lwork); i64 info64 = 0;                       \
        scipy_##P##gels_64_(trans, &m64, &n64, &nrhs64, a, &lda64, b, &ldb64, work,          \
                            &lwork64, &info64, l1);                                          \
        NARROW(info);                                                                        \
    }
GELS(float, s)
GELS(double, d)

#define GESDD(T, P)                                                                          \
    extern void scipy_##P##gesdd_64_(char *, i64 *, i64 *, T *, i64 *, T *, T *, i64 *, T *,  \
                                     i64 *, T *, i64 *, i64 *, i64 *, flen);                 \
    void P##gesdd_(char *jobz, int *m, int *n, T *a, int *lda, T *s, T *u, int *ldu, T *vt,  \
                   int *ldvt, T *work, int *lwork, int *iwork, int *info, flen l1) {         \
        W(m); W(n); W(lda); W(ldu); W(ldvt); W(lwork); i64 info64 = 0;                       \
        i64 k = 8 * min64(m64, n64);                                                         \
        i64 *iw = widen_array(NULL, k);                                                      \
        (void)iwork;                                                                         \
        if (!iw) { *info = -1000; return; }                                                  \
        scipy_##P##gesdd_64_(jobz, &m64, &n64, a, &lda64, s, u, &ldu64, vt, &ldvt64, work,   \
                             &lwork64, iw, &info64, l1);                                     \
        free(iw); NARROW(info);                                                              \
    }
GESDD(float, s)
GESDD(double, d)

extern void scipy_dgeev_64_(char *, char *, i64 *, double *, i64 *, double *, double *,
                            double *, i64 *, double *, i64 *, double *, i64 *, i64 *, flen,
                            flen);
void dgeev_(char *jobvl, char *jobvr, int *n, double *a, int *lda, double *wr, double *wi,
            double *vl, int *ldvl, double *vr, int *ldvr, double *work, int *lwork, int *info,
            flen l1, flen l2) {
    W(n); W(lda); W(ldvl); W(ldvr); W(lwork); i64 info64 = 0;
    scipy_dgeev_64_(jobvl, jobvr, &n64, a, &lda64, wr, wi, vl, &ldvl64, vr, &ldvr64, work,
                    &lwork64, &info64, l1, l2);
    NARROW(info);
}
