#define _GNU_SOURCE
#include "zcl_fuzz.h"
#include <sys/mman.h>

int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));

int zcl_fuzz_run(int *argc, char ***argv, int (*one_input)(const uint8_t *data, size_t size)) {
    return LLVMFuzzerRunDriver(argc, argv, one_input);
}

int zcl_fuzz_memfd(void) {
    return memfd_create("zcl-fuzz-capture", MFD_CLOEXEC);
}
