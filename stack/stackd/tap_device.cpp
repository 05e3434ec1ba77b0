#include "stack/stackd/tap_device.hpp"

#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <system_error>

namespace ipc::stack::stackd {

namespace {
int open_tap(const std::string& name) {
  if (name.empty() || name.size() >= IFNAMSIZ) throw std::system_error(EINVAL, std::generic_category(), "TAP name");
  const int fd = ::open("/dev/net/tun", O_RDWR | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) throw std::system_error(errno, std::generic_category(), "open /dev/net/tun");
  ifreq ifr{};
  ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
  std::memcpy(ifr.ifr_name, name.c_str(), name.size());
  if (::ioctl(fd, TUNSETIFF, &ifr) < 0) {
    const int err = errno;
    ::close(fd);
    throw std::system_error(err, std::generic_category(), "TUNSETIFF " + name);
  }
  return fd;
}
}  // namespace

TapDevice::TapDevice(boost::asio::io_context& io, const std::string& name) : fd_(io, open_tap(name)) {}

void TapDevice::start(FrameHandler on_frame) {
  on_frame_ = std::move(on_frame);
  read_next();
}

void TapDevice::read_next() {
  fd_.async_read_some(boost::asio::buffer(buffer_), [this](const boost::system::error_code& ec, std::size_t n) {
    if (ec == boost::asio::error::operation_aborted) return;
    if (!ec && n > 0) on_frame_(std::span<const std::uint8_t>(buffer_.data(), n));
    read_next();
  });
}

void TapDevice::send(std::span<const std::uint8_t> frame) {
  const ssize_t n = ::write(fd_.native_handle(), frame.data(), frame.size());
  (void)n;  // EAGAIN: the device queue is full, the frame is dropped
}

}  // namespace ipc::stack::stackd
