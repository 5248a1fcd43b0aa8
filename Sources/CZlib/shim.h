#ifndef CKPT_CZLIB_SHIM_H
#define CKPT_CZLIB_SHIM_H

// Makes `next_in` a pointer to const, so Swift can pass read-only buffers.
#ifndef ZLIB_CONST
#define ZLIB_CONST
#endif
#include <zlib.h>

// deflateInit2 and inflateInit2 are macros (they pass ZLIB_VERSION and sizeof(z_stream)),
// which Swift cannot call; these wrappers expose them as functions.
static inline int ckpt_deflateInit2(z_streamp strm, int level, int method, int windowBits,
                                    int memLevel, int strategy) {
    return deflateInit2(strm, level, method, windowBits, memLevel, strategy);
}

static inline int ckpt_inflateInit2(z_streamp strm, int windowBits) {
    return inflateInit2(strm, windowBits);
}

#endif
