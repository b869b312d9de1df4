#ifndef MAILLAGE_TESTS_SUPPORT_H2_CLIENT_H_
#define MAILLAGE_TESTS_SUPPORT_H2_CLIENT_H_

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace maillage::testing {

// HTTP/2 frame types and flags (RFC 9113, section 6).
enum class H2FrameType : uint8_t {
  kData = 0x0,
  kHeaders = 0x1,
  kRstStream = 0x3,
  kSettings = 0x4,
  kPing = 0x6,
  kGoaway = 0x7,
  kWindowUpdate = 0x8,
  kContinuation = 0x9,
};
inline constexpr uint8_t kH2EndStream = 0x1;   // DATA, HEADERS
inline constexpr uint8_t kH2Ack = 0x1;         // SETTINGS, PING
inline constexpr uint8_t kH2EndHeaders = 0x4;  // HEADERS, CONTINUATION

// HTTP/2 error codes used by the probes (section 7).
inline constexpr uint32_t kH2NoError = 0x0;
inline constexpr uint32_t kH2Cancel = 0x8;
inline constexpr uint32_t kH2EnhanceYourCalm = 0xb;

// The frame size every HTTP/2 peer must accept (SETTINGS_MAX_FRAME_SIZE's
// initial value).
inline constexpr size_t kH2DefaultMaxFrame = 16384;

struct H2Frame {
  H2FrameType type = H2FrameType::kData;
  uint8_t flags = 0;
  uint32_t stream_id = 0;
  std::string payload;
};

// What a connection has received so far, frame by frame.
struct H2Tally {
  int frames = 0;
  int goaways = 0;
  uint32_t goaway_last_stream = 0;  // of the last GOAWAY
  uint32_t goaway_error = 0;        // of the last GOAWAY
  std::string goaway_debug;         // of the last GOAWAY
  int rst_streams = 0;
  int headers = 0;  // HEADERS answering a stream (responses, trailers)
  int settings = 0;
  int pings = 0;
  int window_updates = 0;
  // Highest SETTINGS_MAX_CONCURRENT_STREAMS / MAX_HEADER_LIST_SIZE the server
  // advertised; 0 when it advertised none.
  uint32_t max_concurrent_streams = 0;
  uint32_t max_header_list_size = 0;
};

// A hand-rolled HTTP/2 client over one plaintext TCP connection (h2c with
// prior knowledge), for probing the server's transport with frame sequences
// a gRPC library never sends: streams reset as soon as opened, header blocks
// spread over endless CONTINUATION frames, streams opened and never written.
//
// Header blocks are HPACK "literal without indexing, new name" fields with
// raw (not Huffman) strings, which every decoder must accept and which leave
// the dynamic table alone. Incoming frames are parsed only far enough to
// count them (H2Tally); the client acknowledges SETTINGS and PING as a peer
// must, so that the server keeps talking to it.
//
// Writes never deadlock against a server that is itself blocked writing:
// while waiting to write, the client reads. Not thread-safe; one thread
// drives one client.
class H2Client {
 public:
  using Clock = std::chrono::steady_clock;

  H2Client() = default;
  ~H2Client();
  H2Client(const H2Client&) = delete;
  H2Client& operator=(const H2Client&) = delete;

  // Connects to 127.0.0.1:`port`. False (and error() says why) on failure.
  bool Connect(int port);
  // The client connection preface and an empty SETTINGS frame.
  bool SendPreface();

  // One frame. False once the connection is closed or broken, or when the
  // write could not complete within 10 s.
  bool SendFrame(H2FrameType type, uint8_t flags, uint32_t stream_id,
                 std::string_view payload);
  // Bytes already framed (EncodeFrame), e.g. many frames in one write, after
  // any acknowledgement still queued. False as SendFrame.
  bool SendBytes(std::string_view bytes,
                 std::chrono::milliseconds timeout = std::chrono::seconds(10));
  // A header block as HEADERS then as many CONTINUATION frames as needed,
  // each at most `max_frame` bytes; END_HEADERS on the last one.
  bool SendHeaderBlock(uint32_t stream_id, std::string_view block,
                       bool end_stream, size_t max_frame = kH2DefaultMaxFrame);
  bool SendRstStream(uint32_t stream_id, uint32_t error_code);
  bool SendData(uint32_t stream_id, std::string_view data, bool end_stream);
  bool SendPing(uint64_t opaque);

  // Reads and tallies whatever arrives until `deadline`, or until
  // `until(tally())` holds, or until the server closes the connection.
  // Returns whether `until` held.
  template <typename Predicate>
  bool ReadUntil(Clock::time_point deadline, Predicate until);
  // Reads what has already arrived, without waiting.
  void Poll();

  // A silent client acknowledges nothing (no SETTINGS or PING ACK): a
  // socket that never speaks HTTP/2. Off by default.
  void set_silent(bool silent) { silent_ = silent; }

  const H2Tally& tally() const { return tally_; }
  // Whether the server closed the connection (EOF or reset).
  bool closed() const { return closed_; }
  const std::string& error() const { return error_; }
  // Closes the socket (the server sees the connection end).
  void Close();

  // The header block of a gRPC call to `path` ("/maillage.v1.ActorService/
  // GetActor"), plus `extra` name/value pairs, in order.
  static std::string GrpcHeaderBlock(
      std::string_view path,
      const std::vector<std::pair<std::string, std::string>>& extra = {});
  // One frame's bytes: the 9-byte header, then `payload`.
  static std::string EncodeFrame(H2FrameType type, uint8_t flags,
                                 uint32_t stream_id, std::string_view payload);
  // One HPACK literal field (without indexing, raw strings).
  static std::string LiteralField(std::string_view name,
                                  std::string_view value);
  // The start of such a field whose value, `value_bytes` long, the caller
  // sends itself (over as many frames as it likes).
  static std::string LiteralFieldPrefix(std::string_view name,
                                        size_t value_bytes);
  // A gRPC length-prefixed message (uncompressed) around `payload`.
  static std::string GrpcMessage(std::string_view payload);

 private:
  // Waits up to `timeout` for the socket to be readable, reads what is
  // there and tallies every complete frame. False once closed.
  bool ReadSome(std::chrono::milliseconds timeout);
  void ParseFrames();
  void Tally(const H2Frame& frame);
  // Sends outbound_ within `timeout`; what could not be sent stays queued.
  bool Flush(std::chrono::milliseconds timeout);

  int fd_ = -1;
  bool closed_ = false;
  bool silent_ = false;
  std::string inbound_;   // received, not yet a whole frame
  std::string outbound_;  // to send: frames, then queued acknowledgements
  H2Tally tally_;
  std::string error_;
};

template <typename Predicate>
bool H2Client::ReadUntil(Clock::time_point deadline, Predicate until) {
  while (!until(tally_)) {
    if (closed_) return false;
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - Clock::now());
    if (left.count() <= 0) return false;
    ReadSome(std::min(left, std::chrono::milliseconds(100)));
    if (!outbound_.empty()) Flush(std::chrono::milliseconds(0));
  }
  return true;
}

// The resident set size of process `pid` (VmRSS in /proc/PID/status), and
// its peak (VmHWM), in bytes; 0 when unreadable.
int64_t ResidentBytes(int pid);
int64_t PeakResidentBytes(int pid);

}  // namespace maillage::testing

#endif  // MAILLAGE_TESTS_SUPPORT_H2_CLIENT_H_
