// Little-endian encoding helpers for the tag stage's own files (the NER
// model, the stream state). Writers append to a std::string; the reader
// walks a string_view and reports truncation instead of reading past it.
#ifndef NEWSFLOW_STAGES_TAG_BINARY_IO_H_
#define NEWSFLOW_STAGES_TAG_BINARY_IO_H_

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace newsflow {
namespace tag {

// Fixed-width values are assembled in a local array and appended in one
// call (the compiler turns the loop into one store): a push_back per byte
// checked the string's capacity eight times per u64, and serialising the
// stream state is millions of these.
template <typename Unsigned>
inline void PutLittleEndian(std::string* out, Unsigned v) {
  char bytes[sizeof(Unsigned)];
  for (size_t i = 0; i < sizeof(Unsigned); ++i) {
    bytes[i] = static_cast<char>(static_cast<uint64_t>(v) >> (8 * i));
  }
  out->append(bytes, sizeof(Unsigned));
}
inline void PutU8(std::string* out, uint8_t v) {
  out->push_back(static_cast<char>(v));
}
inline void PutU16(std::string* out, uint16_t v) { PutLittleEndian(out, v); }
inline void PutU32(std::string* out, uint32_t v) { PutLittleEndian(out, v); }
inline void PutU64(std::string* out, uint64_t v) { PutLittleEndian(out, v); }
inline void PutF32(std::string* out, float v) {
  uint32_t bits;
  std::memcpy(&bits, &v, sizeof bits);
  PutU32(out, bits);
}
inline void PutF64(std::string* out, double v) {
  uint64_t bits;
  std::memcpy(&bits, &v, sizeof bits);
  PutU64(out, bits);
}
// Length-prefixed (uint32) bytes.
inline void PutString(std::string* out, std::string_view s) {
  PutU32(out, static_cast<uint32_t>(s.size()));
  out->append(s.data(), s.size());
}

class BinaryReader {
 public:
  BinaryReader(std::string_view data, size_t pos = 0)
      : data_(data), pos_(pos) {}

  // False (and the reader stays failed) once any read ran past the end.
  bool ok() const { return ok_; }
  size_t pos() const { return pos_; }
  size_t remaining() const { return data_.size() - pos_; }

  uint8_t U8() { return static_cast<uint8_t>(Fixed(1)); }
  uint16_t U16() { return static_cast<uint16_t>(Fixed(2)); }
  uint32_t U32() { return static_cast<uint32_t>(Fixed(4)); }
  uint64_t U64() { return Fixed(8); }
  float F32() {
    uint32_t bits = U32();
    float v;
    std::memcpy(&v, &bits, sizeof v);
    return v;
  }
  double F64() {
    uint64_t bits = U64();
    double v;
    std::memcpy(&v, &bits, sizeof v);
    return v;
  }
  std::string_view String() {
    uint32_t size = U32();
    if (!ok_ || size > remaining()) {
      ok_ = false;
      return {};
    }
    std::string_view s = data_.substr(pos_, size);
    pos_ += size;
    return s;
  }
  // `size` raw bytes.
  std::string_view Bytes(size_t size) {
    if (!ok_ || size > remaining()) {
      ok_ = false;
      return {};
    }
    std::string_view s = data_.substr(pos_, size);
    pos_ += size;
    return s;
  }

 private:
  uint64_t Fixed(int bytes) {
    if (!ok_ || remaining() < static_cast<size_t>(bytes)) {
      ok_ = false;
      return 0;
    }
    uint64_t v = 0;
    for (int i = 0; i < bytes; ++i) {
      v |= static_cast<uint64_t>(static_cast<uint8_t>(data_[pos_ + i]))
           << (8 * i);
    }
    pos_ += bytes;
    return v;
  }

  std::string_view data_;
  size_t pos_;
  bool ok_ = true;
};

}  // namespace tag
}  // namespace newsflow

#endif  // NEWSFLOW_STAGES_TAG_BINARY_IO_H_
