#ifndef ZCL_FUZZ_H
#define ZCL_FUZZ_H
#include <stddef.h>
#include <stdint.h>

/// Runs libFuzzer's driver (LLVMFuzzerRunDriver) on the command line, calling
/// `one_input` for each input. The harness has its own main (SwiftPM gives
/// every executable one), so it starts libFuzzer through this.
int zcl_fuzz_run(int *argc, char ***argv, int (*one_input)(const uint8_t *data, size_t size));

/// An anonymous file (memfd_create) to hand each capture input to the reader
/// by its /proc/self/fd path: nothing is left on disk, even after a crash.
int zcl_fuzz_memfd(void);

#endif
