#ifndef CAWSMODELS_H
#define CAWSMODELS_H

// AWSKit's service models (scripts/gen-aws-models), compiled into the binary by models.c with
// C23 #embed. A C target because clang embeds megabytes in milliseconds, where SwiftPM's
// .embedInCode turns them into a Swift array literal that takes minutes to type-check.

#include <stddef.h>

/// How many models the binary holds.
size_t cawsmodels_count(void);

/// The service name of model `index` (`"ec2"`), or NULL past the end.
const char *cawsmodels_name(size_t index);

/// The JSON bytes of service `name`'s model, not NUL-terminated, with their length in `*size`;
/// NULL (and `*size` 0) when the binary has no model of that name. The bytes live as long as the process.
const unsigned char *cawsmodels_find(const char *name, size_t *size);

#endif
