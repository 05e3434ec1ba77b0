// The TAP device stackd reads and writes: an existing (persistent) TAP
// interface attached by name, as a Boost.Asio descriptor. Frames are whole
// Ethernet frames (IFF_NO_PI: no packet-information header).
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>

#include <array>
#include <cstdint>
#include <functional>
#include <span>
#include <string>

namespace ipc::stack::stackd {

class TapDevice {
 public:
  using FrameHandler = std::function<void(std::span<const std::uint8_t>)>;

  // Attaches to the TAP interface `name` (throws std::system_error).
  TapDevice(boost::asio::io_context& io, const std::string& name);

  // Starts reading; each frame goes to `on_frame` from the io_context.
  void start(FrameHandler on_frame);
  // Writes one frame (a TAP write never blocks for long; a full queue
  // drops the frame as a NIC would).
  void send(std::span<const std::uint8_t> frame);

 private:
  void read_next();

  boost::asio::posix::stream_descriptor fd_;
  std::array<std::uint8_t, 65536> buffer_{};
  FrameHandler on_frame_;
};

}  // namespace ipc::stack::stackd
