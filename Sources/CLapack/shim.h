// CLapack: LAPACKE and OpenBLAS for Swift. A module map and this header only, no logic.
//
// Debian: liblapacke-dev (lapacke.h, LAPACKE_* wrappers) over the liblapack.so.3 alternative,
// and libopenblas-dev (cblas.h with the openblas_* thread and CPU queries). Linking libopenblas
// directly makes OpenBLAS's own LAPACK and BLAS kernels the ones that run.
#ifndef CKPT_CLAPACK_SHIM_H
#define CKPT_CLAPACK_SHIM_H

#include <lapacke.h>

#if __has_include(<cblas.h>)
#include <cblas.h>
#else
#error "cblas.h not found: install libopenblas-dev"
#endif

// LAPACKE's matrix layout macros (plain ints; named here so Swift sees typed constants).
static inline int CLapack_COL_MAJOR(void) { return LAPACK_COL_MAJOR; }
static inline int CLapack_WORK_MEMORY_ERROR(void) { return LAPACK_WORK_MEMORY_ERROR; }

#endif
