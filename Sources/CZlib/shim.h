/* zlib for gzip (tarballs from GitHub and module registries): the system library, no vendored copy. */
#include <zlib.h>
