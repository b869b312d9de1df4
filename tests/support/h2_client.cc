#include "tests/support/h2_client.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <fstream>

namespace maillage::testing {
namespace {

constexpr std::string_view kPreface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
constexpr size_t kFrameHeaderBytes = 9;
// SETTINGS identifiers (RFC 9113, section 6.5.2).
constexpr uint16_t kSettingsMaxConcurrentStreams = 0x3;
constexpr uint16_t kSettingsMaxHeaderListSize = 0x6;

void AppendUint32(std::string* out, uint32_t v) {
  out->push_back(static_cast<char>(v >> 24));
  out->push_back(static_cast<char>(v >> 16));
  out->push_back(static_cast<char>(v >> 8));
  out->push_back(static_cast<char>(v));
}

uint32_t ReadUint32(std::string_view bytes, size_t at) {
  auto b = [&](size_t i) {
    return static_cast<uint32_t>(static_cast<uint8_t>(bytes[at + i]));
  };
  return b(0) << 24 | b(1) << 16 | b(2) << 8 | b(3);
}

// An HPACK integer with an `prefix_bits`-bit prefix (RFC 7541, 5.1); `first`
// holds the bits above the prefix of the first byte.
void AppendHpackInteger(std::string* out, uint8_t first, int prefix_bits,
                        size_t value) {
  const size_t max_prefix = (size_t{1} << prefix_bits) - 1;
  if (value < max_prefix) {
    out->push_back(static_cast<char>(first | value));
    return;
  }
  out->push_back(static_cast<char>(first | max_prefix));
  value -= max_prefix;
  while (value >= 128) {
    out->push_back(static_cast<char>((value & 0x7f) | 0x80));
    value >>= 7;
  }
  out->push_back(static_cast<char>(value));
}

// An HPACK string literal, raw (H bit clear).
void AppendHpackString(std::string* out, std::string_view s) {
  AppendHpackInteger(out, 0x00, 7, s.size());
  out->append(s);
}

int64_t ProcStatusBytes(int pid, std::string_view field) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.compare(0, field.size(), field) == 0) {
      return std::stoll(line.substr(field.size())) * 1024;  // "... kB"
    }
  }
  return 0;
}

}  // namespace

H2Client::~H2Client() { Close(); }

bool H2Client::Connect(int port) {
  fd_ = socket(AF_INET, SOCK_STREAM, 0);
  if (fd_ < 0) {
    error_ = std::string("socket: ") + std::strerror(errno);
    return false;
  }
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) !=
      0) {
    error_ = std::string("connect: ") + std::strerror(errno);
    Close();
    return false;
  }
  int one = 1;
  setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  fcntl(fd_, F_SETFL, fcntl(fd_, F_GETFL) | O_NONBLOCK);
  return true;
}

void H2Client::Close() {
  if (fd_ >= 0) close(fd_);
  fd_ = -1;
}

bool H2Client::SendPreface() {
  return SendBytes(std::string(kPreface) +
                   EncodeFrame(H2FrameType::kSettings, 0, 0, ""));
}

std::string H2Client::EncodeFrame(H2FrameType type, uint8_t flags,
                                  uint32_t stream_id,
                                  std::string_view payload) {
  std::string frame;
  frame.reserve(kFrameHeaderBytes + payload.size());
  const size_t length = payload.size();
  frame.push_back(static_cast<char>(length >> 16));
  frame.push_back(static_cast<char>(length >> 8));
  frame.push_back(static_cast<char>(length));
  frame.push_back(static_cast<char>(type));
  frame.push_back(static_cast<char>(flags));
  AppendUint32(&frame, stream_id & 0x7fffffff);
  frame.append(payload);
  return frame;
}

bool H2Client::SendFrame(H2FrameType type, uint8_t flags, uint32_t stream_id,
                         std::string_view payload) {
  return SendBytes(EncodeFrame(type, flags, stream_id, payload));
}

bool H2Client::SendHeaderBlock(uint32_t stream_id, std::string_view block,
                               bool end_stream, size_t max_frame) {
  H2FrameType type = H2FrameType::kHeaders;
  uint8_t flags = end_stream ? kH2EndStream : 0;
  do {
    std::string_view fragment = block.substr(0, max_frame);
    block.remove_prefix(fragment.size());
    uint8_t end = block.empty() ? kH2EndHeaders : 0;
    if (!SendFrame(type, flags | end, stream_id, fragment)) return false;
    type = H2FrameType::kContinuation;
    flags = 0;
  } while (!block.empty());
  return true;
}

bool H2Client::SendRstStream(uint32_t stream_id, uint32_t error_code) {
  std::string payload;
  AppendUint32(&payload, error_code);
  return SendFrame(H2FrameType::kRstStream, 0, stream_id, payload);
}

bool H2Client::SendData(uint32_t stream_id, std::string_view data,
                        bool end_stream) {
  do {
    std::string_view chunk = data.substr(0, kH2DefaultMaxFrame);
    data.remove_prefix(chunk.size());
    uint8_t flags = data.empty() && end_stream ? kH2EndStream : 0;
    if (!SendFrame(H2FrameType::kData, flags, stream_id, chunk)) return false;
  } while (!data.empty());
  return true;
}

bool H2Client::SendPing(uint64_t opaque) {
  std::string payload;
  AppendUint32(&payload, static_cast<uint32_t>(opaque >> 32));
  AppendUint32(&payload, static_cast<uint32_t>(opaque));
  return SendFrame(H2FrameType::kPing, 0, 0, payload);
}

void H2Client::Poll() {
  ReadSome(std::chrono::milliseconds(0));
  if (!outbound_.empty()) Flush(std::chrono::milliseconds(0));
}

bool H2Client::SendBytes(std::string_view bytes,
                         std::chrono::milliseconds timeout) {
  outbound_.append(bytes);
  return Flush(timeout);
}

bool H2Client::Flush(std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  size_t sent = 0;
  bool ok = true;
  while (sent < outbound_.size()) {
    if (closed_ || fd_ < 0) {
      ok = false;
      break;
    }
    ssize_t n = send(fd_, outbound_.data() + sent, outbound_.size() - sent,
                     MSG_NOSIGNAL);
    if (n > 0) {
      sent += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
      error_ = std::string("send: ") + std::strerror(errno);
      closed_ = true;
      ok = false;
      break;
    }
    if (Clock::now() >= deadline) {
      if (timeout.count() > 0) {
        error_ = "send: timed out (the server stopped reading)";
      }
      ok = false;
      break;
    }
    // The socket buffer is full: read what the server sent meanwhile (it
    // may be blocked writing to us; acknowledgements queue behind what is
    // being sent), then wait until writable again.
    ReadSome(std::chrono::milliseconds(0));
    pollfd p{fd_, POLLOUT, 0};
    poll(&p, 1, 50);
  }
  outbound_.erase(0, sent);
  return ok;
}

bool H2Client::ReadSome(std::chrono::milliseconds timeout) {
  if (closed_ || fd_ < 0) return false;
  pollfd p{fd_, POLLIN, 0};
  if (poll(&p, 1, static_cast<int>(timeout.count())) <= 0) return true;
  char buffer[65536];
  for (;;) {
    ssize_t n = recv(fd_, buffer, sizeof buffer, 0);
    if (n > 0) {
      inbound_.append(buffer, static_cast<size_t>(n));
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
    if (n < 0 && errno == EINTR) continue;
    closed_ = true;  // EOF, or reset by the server
    break;
  }
  ParseFrames();
  return !closed_;
}

void H2Client::ParseFrames() {
  size_t at = 0;
  while (inbound_.size() - at >= kFrameHeaderBytes) {
    std::string_view header(inbound_.data() + at, kFrameHeaderBytes);
    size_t length = static_cast<size_t>(static_cast<uint8_t>(header[0])) << 16 |
                    static_cast<size_t>(static_cast<uint8_t>(header[1])) << 8 |
                    static_cast<uint8_t>(header[2]);
    if (inbound_.size() - at < kFrameHeaderBytes + length) break;
    H2Frame frame;
    frame.type = static_cast<H2FrameType>(header[3]);
    frame.flags = static_cast<uint8_t>(header[4]);
    frame.stream_id = ReadUint32(header, 5) & 0x7fffffff;
    frame.payload = inbound_.substr(at + kFrameHeaderBytes, length);
    at += kFrameHeaderBytes + length;
    Tally(frame);
  }
  inbound_.erase(0, at);
}

void H2Client::Tally(const H2Frame& frame) {
  ++tally_.frames;
  const std::string& p = frame.payload;
  switch (frame.type) {
    case H2FrameType::kGoaway:
      ++tally_.goaways;
      if (p.size() >= 8) {
        tally_.goaway_last_stream = ReadUint32(p, 0) & 0x7fffffff;
        tally_.goaway_error = ReadUint32(p, 4);
        tally_.goaway_debug = p.substr(8);
      }
      break;
    case H2FrameType::kRstStream:
      ++tally_.rst_streams;
      break;
    case H2FrameType::kHeaders:
      ++tally_.headers;
      break;
    case H2FrameType::kSettings:
      if (frame.flags & kH2Ack) break;
      ++tally_.settings;
      for (size_t i = 0; i + 6 <= p.size(); i += 6) {
        uint16_t id = static_cast<uint16_t>(static_cast<uint8_t>(p[i]) << 8 |
                                            static_cast<uint8_t>(p[i + 1]));
        uint32_t value = ReadUint32(p, i + 2);
        if (id == kSettingsMaxConcurrentStreams) {
          tally_.max_concurrent_streams = value;
        } else if (id == kSettingsMaxHeaderListSize) {
          tally_.max_header_list_size = value;
        }
      }
      if (!silent_) {
        outbound_ += EncodeFrame(H2FrameType::kSettings, kH2Ack, 0, "");
      }
      break;
    case H2FrameType::kPing:
      if (frame.flags & kH2Ack) break;
      ++tally_.pings;
      if (!silent_) outbound_ += EncodeFrame(H2FrameType::kPing, kH2Ack, 0, p);
      break;
    case H2FrameType::kWindowUpdate:
      ++tally_.window_updates;
      break;
    default:
      break;
  }
}

std::string H2Client::LiteralFieldPrefix(std::string_view name,
                                         size_t value_bytes) {
  std::string field;
  field.push_back(0x00);  // literal without indexing, new name
  AppendHpackString(&field, name);
  AppendHpackInteger(&field, 0x00, 7, value_bytes);  // raw value length
  return field;
}

std::string H2Client::LiteralField(std::string_view name,
                                   std::string_view value) {
  return LiteralFieldPrefix(name, value.size()).append(value);
}

std::string H2Client::GrpcHeaderBlock(
    std::string_view path,
    const std::vector<std::pair<std::string, std::string>>& extra) {
  std::string block =
      LiteralField(":method", "POST") + LiteralField(":scheme", "http") +
      LiteralField(":path", path) + LiteralField(":authority", "localhost") +
      LiteralField("content-type", "application/grpc") +
      LiteralField("te", "trailers");
  for (const auto& [name, value] : extra) block += LiteralField(name, value);
  return block;
}

std::string H2Client::GrpcMessage(std::string_view payload) {
  std::string message(1, '\0');  // not compressed
  AppendUint32(&message, static_cast<uint32_t>(payload.size()));
  message.append(payload);
  return message;
}

int64_t ResidentBytes(int pid) { return ProcStatusBytes(pid, "VmRSS:"); }
int64_t PeakResidentBytes(int pid) { return ProcStatusBytes(pid, "VmHWM:"); }

}  // namespace maillage::testing
