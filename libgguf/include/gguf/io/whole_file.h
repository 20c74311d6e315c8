// Small files (a manifest, a report) written the way every output is: to a
// temporary beside the final name, created with O_EXCL, fsync'd and renamed,
// so readers see the old file or the new one, never a part.
//
// Thread safety: calls for different paths may run at once; two calls for
// one path race only for which file stays.
#pragma once

#include <string>
#include <string_view>

#include "gguf/error.h"

namespace gguf {

// Replaces `path` with `bytes`; on any error nothing changes under `path`
// and no temporary remains.
Status write_whole_file(const std::string& path, std::string_view bytes);

}  // namespace gguf
