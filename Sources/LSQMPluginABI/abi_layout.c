/*
** Compile-time checks of the v1 ABI layout. This file holds no runtime code: it exists so the build fails the
** moment someone reorders or resizes a v1 field, which would silently break every plugin already built.
** (SwiftPM also needs one source file to build a C target.)
*/
#include "lsqm_plugin.h"

#if UINTPTR_MAX == 0xFFFFFFFFFFFFFFFFu
_Static_assert(offsetof(lsqm_plugin_descriptor, magic) == 0, "v1 layout: magic first");
_Static_assert(offsetof(lsqm_plugin_descriptor, struct_size) == 8, "v1 layout: struct_size at 8");
_Static_assert(offsetof(lsqm_plugin_descriptor, name) == 16, "v1 layout: name at 16");
_Static_assert(LSQM_DESCRIPTOR_V1_SIZE == 72, "v1 descriptor is 72 bytes on LP64");
_Static_assert(LSQM_HOST_API_V1_SIZE == 56, "v1 host API is 56 bytes on LP64");
_Static_assert(LSQM_SOURCE_FUNCTIONS_V1_SIZE == 16, "v1 source table is 16 bytes on LP64");
_Static_assert(LSQM_NORMALIZER_FUNCTIONS_V1_SIZE == 24, "v1 normalizer table is 24 bytes on LP64");
_Static_assert(LSQM_NOTIFIER_FUNCTIONS_V1_SIZE == 16, "v1 notifier table is 16 bytes on LP64");
#endif
