// The read-only imatrix jobs: `imatrix info` and `imatrix coverage`, as
// text or as one JSON document.
#pragma once

#include <string>

#include "remote_option.h"

namespace gguf_mtp {

struct ImatrixInfoOptions {
    std::string path;
    bool json = false;
};

struct ImatrixCoverageOptions {
    std::string model;
    std::string imatrix;
    bool json = false;
    bool fail_on_missing = false;  // exit 1 when a tensor lacks an entry or has one of the wrong size
    RemoteFlags remote;
    std::optional<gguf::Dialect> dialect;  // --dialect; empty: each file decides
};

int run_imatrix_info(const ImatrixInfoOptions& options);
int run_imatrix_coverage(const ImatrixCoverageOptions& options);

}  // namespace gguf_mtp
