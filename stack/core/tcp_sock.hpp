// What a TCP socket holds beyond struct Socket: its connection (the
// protocol engine, stack/tcp), a listener's queues, and what the socket
// layer remembers about a connect in progress.
#pragma once

#include <deque>
#include <memory>
#include <vector>

#include "stack/core/socket.hpp"
#include "stack/tcp/connection.hpp"

namespace ipc::stack::core {

// struct socket's state (SS_*): what inet_stream_connect and inet_listen
// look at, apart from the connection's own state.
enum class SockState { Unconnected, Connecting, Connected, Disconnecting };

struct TcpSock {
  SockState sock_state = SockState::Unconnected;
  tcp::Options opts;                       // setsockopt before there is a connection
  std::unique_ptr<tcp::Connection> conn;   // from connect() or a SYN at a listener
  bool listening = false;
  int backlog = 0;                         // sk_max_ack_backlog
  // inet_csk's request and accept queues: children still in SYN_RECEIVED,
  // and children whose handshake completed, in completion order.
  std::vector<std::unique_ptr<Socket>> syn_queue;
  std::deque<std::unique_ptr<Socket>> accept_queue;
  Socket* parent = nullptr;                // the listener of a queued child
  bool done = false;                       // SOCK_DONE: a FIN or the end of the connection was seen
  bool orphan = false;
  int rcv_tos = 0;                         // inet->rcv_tos: the SYN's TOS (an accepted socket)
  bool closed_seen = false;                // tcp_done's unhash has run for this Closed state                     // closed by the user, finishing on its own
};

}  // namespace ipc::stack::core
