#include "daemon/logging.hpp"

#include <spdlog/sinks/base_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <mutex>
#include <nlohmann/json.hpp>

namespace sv::daemon {
namespace {

// One JSON object per line: {"ts": 1763900000.123, "level": "info", "msg": "..."}.
// nlohmann::json does the escaping so a service's output can never break a record.
class JsonSink final : public spdlog::sinks::base_sink<spdlog::details::null_mutex> {
  protected:
    void sink_it_(const spdlog::details::log_msg& msg) override {
        auto since = msg.time.time_since_epoch();
        double ts = std::chrono::duration<double>(since).count();
        nlohmann::json record = {
            {"ts", ts},
            {"level", spdlog::level::to_string_view(msg.level).data()},
            {"msg", std::string(msg.payload.data(), msg.payload.size())},
        };
        std::string line = record.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
        line += '\n';
        // One write per record: lines from a daemon and its services interleave whole.
        (void)!::write(STDERR_FILENO, line.data(), line.size());
    }
    void flush_() override {}
};

}  // namespace

void setup_logging(const std::string& level, const std::string& format) {
    std::shared_ptr<spdlog::logger> logger;
    if (format == "json") {
        logger = std::make_shared<spdlog::logger>("sockvisord", std::make_shared<JsonSink>());
    } else {
        // stderr unbuffered-ish and single-threaded: the _st sink, flushed per line.
        logger = std::make_shared<spdlog::logger>(
            "sockvisord", std::make_shared<spdlog::sinks::stderr_sink_st>());
        // Timestamps help when run by hand; under systemd journald adds its own.
        logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");
    }
    logger->set_level(spdlog::level::from_str(level));
    logger->flush_on(spdlog::level::trace);
    spdlog::set_default_logger(logger);
}

}  // namespace sv::daemon
