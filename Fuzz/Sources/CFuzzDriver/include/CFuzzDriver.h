#pragma once
#include <stddef.h>
#include <stdint.h>

/// libFuzzer's driver for programs that keep their own main (LLVM 11 and later): SwiftPM
/// names an executable's entry point itself, so libFuzzer's main cannot be used.
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));
