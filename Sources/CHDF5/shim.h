// CHDF5: libhdf5 for Swift. A module map and this header only, no logic.
//
// HDF5's type, class and flag macros (H5T_IEEE_F32LE, H5P_DATASET_CREATE, H5F_ACC_TRUNC, ...)
// expand to `(H5open(), some_global_g)`, which Swift cannot import; the `*_g` globals
// themselves are unusable from Swift 6 and hold garbage before H5open(). Each getter below
// evaluates the macro, so H5open() always runs first.
#ifndef CKPT_CHDF5_SHIM_H
#define CKPT_CHDF5_SHIM_H

#if __has_include(<hdf5.h>)
#include <hdf5.h>
#elif __has_include(<hdf5/serial/hdf5.h>)
#include <hdf5/serial/hdf5.h>
#else
#error "HDF5 headers not found: install libhdf5-dev (and pkgconf)"
#endif

// Property list defaults and special identifiers.
static inline hid_t CHDF5_H5P_DEFAULT(void) { return H5P_DEFAULT; }
static inline hid_t CHDF5_H5S_ALL(void) { return H5S_ALL; }
static inline hid_t CHDF5_H5E_DEFAULT(void) { return H5E_DEFAULT; }
static inline size_t CHDF5_H5T_VARIABLE(void) { return H5T_VARIABLE; }
static inline haddr_t CHDF5_HADDR_UNDEF(void) { return HADDR_UNDEF; }

// File access flags.
static inline unsigned CHDF5_H5F_ACC_RDONLY(void) { return H5F_ACC_RDONLY; }
static inline unsigned CHDF5_H5F_ACC_RDWR(void) { return H5F_ACC_RDWR; }
static inline unsigned CHDF5_H5F_ACC_TRUNC(void) { return H5F_ACC_TRUNC; }
static inline unsigned CHDF5_H5F_ACC_EXCL(void) { return H5F_ACC_EXCL; }
static inline unsigned CHDF5_H5F_ACC_CREAT(void) { return H5F_ACC_CREAT; }

// Property list classes.
static inline hid_t CHDF5_H5P_FILE_ACCESS(void) { return H5P_FILE_ACCESS; }
static inline hid_t CHDF5_H5P_GROUP_CREATE(void) { return H5P_GROUP_CREATE; }
static inline hid_t CHDF5_H5P_DATASET_CREATE(void) { return H5P_DATASET_CREATE; }
static inline hid_t CHDF5_H5P_LINK_CREATE(void) { return H5P_LINK_CREATE; }

// Predefined file types (little-endian, as Keras/h5py write on x86 and ARM).
static inline hid_t CHDF5_H5T_IEEE_F32LE(void) { return H5T_IEEE_F32LE; }
static inline hid_t CHDF5_H5T_IEEE_F64LE(void) { return H5T_IEEE_F64LE; }
static inline hid_t CHDF5_H5T_STD_I8LE(void) { return H5T_STD_I8LE; }
static inline hid_t CHDF5_H5T_STD_I16LE(void) { return H5T_STD_I16LE; }
static inline hid_t CHDF5_H5T_STD_I32LE(void) { return H5T_STD_I32LE; }
static inline hid_t CHDF5_H5T_STD_I64LE(void) { return H5T_STD_I64LE; }
static inline hid_t CHDF5_H5T_STD_U8LE(void) { return H5T_STD_U8LE; }
static inline hid_t CHDF5_H5T_STD_U16LE(void) { return H5T_STD_U16LE; }
static inline hid_t CHDF5_H5T_STD_U32LE(void) { return H5T_STD_U32LE; }
static inline hid_t CHDF5_H5T_STD_U64LE(void) { return H5T_STD_U64LE; }
static inline hid_t CHDF5_H5T_IEEE_F32BE(void) { return H5T_IEEE_F32BE; }
static inline hid_t CHDF5_H5T_C_S1(void) { return H5T_C_S1; }

// Native memory types.
static inline hid_t CHDF5_H5T_NATIVE_FLOAT(void) { return H5T_NATIVE_FLOAT; }
static inline hid_t CHDF5_H5T_NATIVE_DOUBLE(void) { return H5T_NATIVE_DOUBLE; }
static inline hid_t CHDF5_H5T_NATIVE_INT64(void) { return H5T_NATIVE_INT64; }

#endif
