#include "gguf/io/whole_file.h"

#include <cstdint>
#include <span>

#include "atomic_output.h"

namespace gguf {

Status write_whole_file(const std::string& path, std::string_view bytes) {
    auto out = AtomicOutput::create(path);
    if (!out) return std::unexpected(out.error());
    const auto* data = reinterpret_cast<const uint8_t*>(bytes.data());
    if (auto ok = (*out)->write(std::span(data, bytes.size())); !ok) return ok;
    if (auto ok = (*out)->finish(); !ok) return ok;
    return (*out)->commit();
}

}  // namespace gguf
