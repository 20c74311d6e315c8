// parse_header on hostile bytes. Besides not crashing, two properties:
//  - reading only the start of a file agrees with reading it whole (the
//    contract callers rely on when they retry with more bytes);
//  - a header that parses is written back byte for byte by the header
//    writer, so nothing the parser accepts is lost or changed on output.
#include "format/header_writer.h"
#include "fuzz_targets.h"
#include "gguf/format/gguf_file.h"
#include "scratch_files.h"

namespace gguf_fuzz {
namespace {

void touch_values(const gguf::Metadata& metadata) {
    for (const auto& kv : metadata.entries()) {
        (void)kv.value.to_display();
        for (const auto& e : kv.value.elements(16)) (void)e.to_display();
    }
}

void rewrite_matches(const gguf::GgufHeader& h, std::span<const uint8_t> data) {
    const auto bytes = gguf::detail::serialize_header(h.version, h.metadata, h.tensors, h.alignment);
    require(bytes.size() >= h.header_bytes && std::equal(bytes.begin(), bytes.begin() + h.header_bytes, data.begin()),
            "the header writer reproduces a parsed header byte for byte");
}

}  // namespace

bool gguf_header(std::span<const uint8_t> data) {
    const std::string name = "fuzz.gguf";
    auto whole = gguf::parse_header(data, data.size(), name);
    auto start = gguf::parse_header(data.first(data.size() / 2), data.size(), name);
    if (start) {
        require(whole.has_value() && whole->header_bytes == start->header_bytes && whole->metadata == start->metadata,
                "a header parsed from the start of a file is the one parsed from the whole file");
    } else if (start.error().code != gguf::ErrorCode::truncated) {
        require(!whole.has_value(), "an error found in the start of a file is found in the whole file");
    }
    if (!whole) return false;
    touch_values(whole->metadata);
    rewrite_matches(*whole, data);
    return true;
}

}  // namespace gguf_fuzz
