#include "gguf/format/gguf_file.h"

#include "../io/mapped_file.h"

namespace gguf {

Result<GgufFile> GgufFile::open(const std::string& path) {
    auto map = MappedFile::open(path);
    if (!map) return std::unexpected(map.error());
    auto header = parse_header((*map)->bytes(), (*map)->size(), path);
    if (!header) return std::unexpected(header.error());
    GgufFile f;
    f.path_ = path;
    f.header_ = std::move(*header);
    f.identity_ = (*map)->identity();
    f.map_ = std::move(*map);
    return f;
}

GgufFile::GgufFile(GgufFile&&) noexcept = default;
GgufFile& GgufFile::operator=(GgufFile&&) noexcept = default;
GgufFile::~GgufFile() = default;

uint64_t GgufFile::file_size() const { return map_->size(); }
int GgufFile::fd() const { return map_->fd(); }

int64_t GgufFile::find_tensor(std::string_view name) const {
    for (size_t i = 0; i < header_.tensors.size(); ++i) {
        if (header_.tensors[i].name == name) return static_cast<int64_t>(i);
    }
    return -1;
}

std::span<const uint8_t> GgufFile::tensor_data(size_t index) const {
    const TensorInfo& t = header_.tensors[index];
    return map_->bytes().subspan(tensor_file_offset(index), t.n_bytes);
}

}  // namespace gguf
