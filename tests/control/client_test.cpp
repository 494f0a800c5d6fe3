// The client's request_reply against a tiny fake daemon (a thread on a temp Unix
// socket answering canned bytes): what is sent, what is read back, and every way
// the daemon can fail to answer, with the message the user sees.
#include "control/client.hpp"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <functional>
#include <thread>

#include "base/fd.hpp"
#include "control/protocol.hpp"

namespace sv::control {
namespace {

using namespace std::chrono_literals;

class FakeDaemon : public testing::Test {
  protected:
    void SetUp() override {
        char tmpl[] = "/tmp/sv-ctl-test-XXXXXX";
        ASSERT_NE(mkdtemp(tmpl), nullptr);
        dir_ = tmpl;
        path_ = dir_ + "/control.sock";
    }
    void TearDown() override {
        // If a test failed before the client connected, the server still sits in
        // accept(); shutting the listener down wakes it (EINVAL) so join returns.
        if (listener_) shutdown(listener_.get(), SHUT_RDWR);
        if (server_.joinable()) server_.join();
        std::filesystem::remove_all(dir_);
    }

    Fd bind_listener(bool listening = true) {
        Fd fd(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
        sockaddr_un addr{};
        addr.sun_family = AF_UNIX;
        std::strcpy(addr.sun_path, path_.c_str());
        EXPECT_EQ(bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
        if (listening) {
            EXPECT_EQ(listen(fd.get(), 4), 0);
        }
        return fd;
    }

    // Accepts one client, reads up to its first newline into `received_`, then
    // runs `answer` on the connection.
    void serve_once(std::function<void(int)> answer) {
        listener_ = bind_listener();
        server_ = std::thread([this, answer = std::move(answer)] {
            Fd conn(accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC));
            char c;
            while (read(conn.get(), &c, 1) == 1) {
                received_ += c;
                if (c == '\n') break;
            }
            answer(conn.get());
        });
    }

    static void write_text(int fd, std::string_view text) {
        ASSERT_EQ(write(fd, text.data(), text.size()), static_cast<ssize_t>(text.size()));
    }

    std::string dir_, path_, received_;
    Fd listener_;
    std::thread server_;
};

TEST_F(FakeDaemon, SendsTheRequestLineAndReturnsTheReplyLine) {
    serve_once([](int fd) { write_text(fd, "{\"ok\":true,\"units\":[\"web\"]}\n"); });
    auto reply = request_reply(path_, encode_request({Command::stop, {"web"}}));
    ASSERT_TRUE(reply) << reply.error().message();
    EXPECT_EQ(*reply, "{\"ok\":true,\"units\":[\"web\"]}");
    server_.join();
    EXPECT_EQ(received_, "{\"cmd\":\"stop\",\"units\":[\"web\"]}\n");
}

TEST_F(FakeDaemon, ReplyInPiecesIsReassembledAndStopsAtTheFirstNewline) {
    serve_once([](int fd) {
        write_text(fd, "{\"ok\":");
        std::this_thread::sleep_for(20ms);
        write_text(fd, "true}\n{\"ignored\":1}\n");
    });
    auto reply = request_reply(path_, "{\"cmd\":\"reload\"}\n");
    ASSERT_TRUE(reply) << reply.error().message();
    EXPECT_EQ(*reply, "{\"ok\":true}");
}

TEST_F(FakeDaemon, NoSocketFileNamesPathAndErrno) {
    auto reply = request_reply(path_, "{}\n");
    ASSERT_FALSE(reply);
    EXPECT_EQ(reply.error().message(),
              "cannot connect to '" + path_ + "': No such file or directory");
}

TEST_F(FakeDaemon, StaleSocketFileIsConnectionRefused) {
    Fd bound = bind_listener(/*listening=*/false);
    auto reply = request_reply(path_, "{}\n");
    ASSERT_FALSE(reply);
    EXPECT_EQ(reply.error().message(), "cannot connect to '" + path_ + "': Connection refused");
}

TEST_F(FakeDaemon, HangUpWithoutReply) {
    serve_once([](int) {});
    auto reply = request_reply(path_, "{}\n");
    ASSERT_FALSE(reply);
    EXPECT_EQ(reply.error().message(), "cannot read a reply from '" + path_ +
                                           "': the daemon closed the connection without replying");
}

TEST_F(FakeDaemon, HangUpMidLine) {
    serve_once([](int fd) { write_text(fd, "{\"ok\":tr"); });
    auto reply = request_reply(path_, "{}\n");
    ASSERT_FALSE(reply);
    EXPECT_EQ(reply.error().message(),
              "cannot read a reply from '" + path_ + "': the reply ended without a newline");
}

TEST_F(FakeDaemon, SilentDaemonTimesOut) {
    serve_once([](int fd) {
        char c;
        (void)read(fd, &c, 1);  // blocks until the client gives up and closes
    });
    auto started = std::chrono::steady_clock::now();
    auto reply = request_reply(path_, "{}\n", 200ms);
    auto took = std::chrono::steady_clock::now() - started;
    ASSERT_FALSE(reply);
    EXPECT_EQ(reply.error().message(),
              "cannot read a reply from '" + path_ + "': no reply within 200 ms");
    EXPECT_GE(took, 200ms);
    EXPECT_LT(took, 5s);
}

TEST_F(FakeDaemon, OverlongReplyIsRefused) {
    serve_once([](int fd) { write_text(fd, std::string(300, 'x')); });
    auto reply = request_reply(path_, "{}\n", 5s, 100);
    ASSERT_FALSE(reply);
    EXPECT_EQ(reply.error().message(),
              "cannot read a reply from '" + path_ + "': the reply is longer than 100 bytes");
}

TEST(RequestReply, PathTooLongForSunPath) {
    std::string path = "/tmp/" + std::string(200, 'x');
    auto reply = request_reply(path, "{}\n");
    ASSERT_FALSE(reply);
    EXPECT_EQ(reply.error().message(),
              "cannot connect to '" + path + "': a socket path must be 1-107 bytes long");
}

}  // namespace
}  // namespace sv::control
