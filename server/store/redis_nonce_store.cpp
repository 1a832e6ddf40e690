// SPDX-License-Identifier: Apache-2.0
#include "store/redis_nonce_store.hpp"

#include <algorithm>
#include <string>
#include <vector>

#include <hiredis/hiredis.h>

#include "store/sigpipe_guard.hpp"

namespace saferchat::store {
namespace {

// Atomic take (a Lua script runs without interleaving,
// https://redis.io/docs/interact/programmability/eval-intro/). KEYS[1] = key, ARGV[1] = now in ms.
// Returns {0} unknown, {1, session} taken, {2} expired, {3} replayed. The used marker keeps the
// key's remaining TTL (KEEPTTL, Redis ≥ 6.0).
constexpr std::string_view take_script = R"lua(
local v = redis.call('GET', KEYS[1])
if not v then return {0} end
if string.sub(v, 1, 1) == 'U' then return {3} end
local sep = string.find(v, '|', 3, true)
if string.sub(v, 1, 2) ~= 'I|' or not sep then
  return redis.error_reply('malformed nonce entry')
end
if tonumber(ARGV[1]) >= tonumber(string.sub(v, 3, sep - 1)) then return {2} end
redis.call('SET', KEYS[1], 'U' .. string.sub(v, 2), 'KEEPTTL')
return {1, string.sub(v, sep + 1)}
)lua";

// Atomic put with caps. KEYS: [1] nonce key, [2] session set or "", [3] client set or "",
// [4] the set of all entries. ARGV: [1] value, [2] ms to keep the entry, [3] now ms, [4] expiry
// ms, [5] per-session cap, [6] per-client cap, [7] max entries, [8] the nonce.
// Returns 1 stored, 0 collision, 2 session at its cap, 3 client at its cap, 4 store full.
constexpr std::string_view put_script = R"lua(
local now = tonumber(ARGV[3])
local function live(key)
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now)
  return redis.call('ZCARD', key)
end
if KEYS[2] ~= '' and live(KEYS[2]) >= tonumber(ARGV[5]) then return 2 end
if KEYS[3] ~= '' and live(KEYS[3]) >= tonumber(ARGV[6]) then return 3 end
if live(KEYS[4]) >= tonumber(ARGV[7]) then return 4 end
if not redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 0 end
local expiry = tonumber(ARGV[4])
for i = 2, 3 do
  if KEYS[i] ~= '' then
    redis.call('ZADD', KEYS[i], expiry, ARGV[8])
    if redis.call('PTTL', KEYS[i]) < expiry - now then
      redis.call('PEXPIRE', KEYS[i], expiry - now + 1000)
    end
  end
end
local keep = tonumber(ARGV[2])
redis.call('ZADD', KEYS[4], now + keep, ARGV[8])
if redis.call('PTTL', KEYS[4]) < keep then redis.call('PEXPIRE', KEYS[4], keep + 1000) end
return 1
)lua";

std::int64_t to_ms(TimePoint time) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(time.time_since_epoch()).count();
}

timeval to_timeval(std::chrono::milliseconds ms) {
  timeval tv{};
  tv.tv_sec = static_cast<decltype(tv.tv_sec)>(ms.count() / 1000);
  tv.tv_usec = static_cast<decltype(tv.tv_usec)>((ms.count() % 1000) * 1000);
  return tv;
}

struct ReplyFree {
  void operator()(redisReply* reply) const noexcept { freeReplyObject(reply); }
};
using ReplyPtr = std::unique_ptr<redisReply, ReplyFree>;

}  // namespace

namespace detail {

struct RedisConnection {
  redisContext* context = nullptr;
  RedisConnection() = default;
  ~RedisConnection() {
    if (context != nullptr) {
      redisFree(context);
    }
  }
  RedisConnection(const RedisConnection&) = delete;
  RedisConnection& operator=(const RedisConnection&) = delete;
  RedisConnection(RedisConnection&&) = delete;
  RedisConnection& operator=(RedisConnection&&) = delete;
};

}  // namespace detail

RedisNonceStore::RedisNonceStore(RedisNonceStoreOptions options) : options_(std::move(options)) {
  if (options_.unix_socket.empty() && (options_.port < 1 || options_.port > 65535)) {
    throw std::invalid_argument("Redis port out of range");
  }
}

RedisNonceStore::~RedisNonceStore() = default;

namespace {

std::string where(const RedisNonceStoreOptions& options) {
  return options.unix_socket.empty() ? options.host + ":" + std::to_string(options.port)
                                     : "unix:" + options.unix_socket;
}

// One command with binary-safe arguments. Throws StoreUnavailable on I/O or a Redis error reply;
// the connection is dropped on I/O errors (hiredis contexts are unusable after one).
ReplyPtr run(std::unique_ptr<detail::RedisConnection>& connection,
             const RedisNonceStoreOptions& options, const std::vector<std::string>& args) {
  std::vector<const char*> argv;
  std::vector<std::size_t> lengths;
  for (const std::string& arg : args) {
    argv.push_back(arg.data());
    lengths.push_back(arg.size());
  }
  ReplyPtr reply(static_cast<redisReply*>(redisCommandArgv(
      connection->context, static_cast<int>(argv.size()), argv.data(), lengths.data())));
  if (!reply) {
    const std::string error = connection->context->errstr;
    connection.reset();
    throw StoreUnavailable("Redis " + where(options) + ": " + args.front() + " failed: " + error);
  }
  if (reply->type == REDIS_REPLY_ERROR) {
    throw StoreUnavailable("Redis " + where(options) + ": " + args.front() +
                           " error: " + std::string(reply->str, reply->len));
  }
  return reply;
}

// Connects (and authenticates, selects the database) if there is no live connection.
void ensure_connected(std::unique_ptr<detail::RedisConnection>& connection,
                      const RedisNonceStoreOptions& options) {
  if (connection) {
    return;
  }
  auto fresh = std::make_unique<detail::RedisConnection>();
  const timeval connect_timeout = to_timeval(options.connect_timeout);
  fresh->context =
      options.unix_socket.empty()
          ? redisConnectWithTimeout(options.host.c_str(), options.port, connect_timeout)
          : redisConnectUnixWithTimeout(options.unix_socket.c_str(), connect_timeout);
  if (fresh->context == nullptr) {
    throw StoreUnavailable("Redis " + where(options) + ": cannot allocate a context");
  }
  if (fresh->context->err != 0) {
    throw StoreUnavailable("Redis " + where(options) +
                           ": connect failed: " + fresh->context->errstr);
  }
  if (redisSetTimeout(fresh->context, to_timeval(options.command_timeout)) != REDIS_OK) {
    throw StoreUnavailable("Redis " + where(options) + ": cannot set the command timeout");
  }
  if (!options.password.empty()) {
    std::vector<std::string> auth{"AUTH"};
    if (!options.username.empty()) {
      auth.push_back(options.username);
    }
    auth.push_back(options.password);
    (void)run(fresh, options, auth);
  }
  if (options.database != 0) {
    (void)run(fresh, options, {"SELECT", std::to_string(options.database)});
  }
  connection = std::move(fresh);
}

}  // namespace

bool RedisNonceStore::put(std::string_view nonce, std::string_view session_id,
                          std::string_view client_id, TimePoint expires_at, TimePoint now) {
  const std::scoped_lock lock(mutex_);
  const SigpipeGuard no_sigpipe;
  const std::int64_t keep_ms =
      std::max<std::int64_t>(1, to_ms(expires_at + options_.retention) - to_ms(now));
  const std::string& prefix = options_.key_prefix;
  const std::vector<std::string> args{
      "EVAL",
      std::string(put_script),
      "4",
      prefix + std::string(nonce),
      session_id.empty() ? std::string() : prefix + "session:" + std::string(session_id),
      client_id.empty() ? std::string() : prefix + "client:" + std::string(client_id),
      prefix + "all",
      "I|" + std::to_string(to_ms(expires_at)) + "|" + std::string(session_id),
      std::to_string(keep_ms),
      std::to_string(to_ms(now)),
      std::to_string(to_ms(expires_at)),
      std::to_string(options_.limits.per_session),
      std::to_string(options_.limits.per_client),
      std::to_string(options_.max_entries),
      std::string(nonce)};
  // A put may be retried once on a new connection (a stale one, e.g. after a Redis restart):
  // if the first attempt did store the nonce, the retry reports a collision and the caller
  // draws another nonce, which is harmless.
  for (int attempt = 0;; ++attempt) {
    ensure_connected(connection_, options_);
    try {
      const ReplyPtr reply = run(connection_, options_, args);
      if (reply->type != REDIS_REPLY_INTEGER) {
        throw StoreUnavailable("Redis " + where(options_) + ": unexpected reply to the put script");
      }
      switch (reply->integer) {
        case 1:
          return true;
        case 0:
          return false;
        case 2:
          throw TooManyChallenges("the session already holds " +
                                  std::to_string(options_.limits.per_session) + " live challenges");
        case 3:
          throw TooManyChallenges("the client already holds " +
                                  std::to_string(options_.limits.per_client) + " live challenges");
        case 4:
          throw StoreUnavailable("Redis nonce store full (" + std::to_string(options_.max_entries) +
                                 " entries)");
        default:
          throw StoreUnavailable("Redis " + where(options_) + ": unexpected put status");
      }
    } catch (const StoreUnavailable&) {
      if (connection_ || attempt > 0) {
        throw;  // a Redis error reply or answer, or a second I/O failure
      }
    }
  }
}

TakeResult RedisNonceStore::take(std::string_view nonce, TimePoint now) {
  const std::scoped_lock lock(mutex_);
  const SigpipeGuard no_sigpipe;
  ensure_connected(connection_, options_);
  // Never retried: the script may have run before the connection failed.
  const ReplyPtr reply =
      run(connection_, options_,
          {"EVAL", std::string(take_script), "1", options_.key_prefix + std::string(nonce),
           std::to_string(to_ms(now))});
  if (reply->type != REDIS_REPLY_ARRAY || reply->elements < 1 ||
      reply->element[0]->type != REDIS_REPLY_INTEGER) {
    throw StoreUnavailable("Redis " + where(options_) + ": unexpected reply to the take script");
  }
  switch (reply->element[0]->integer) {
    case 0:
      return {TakeStatus::unknown, {}};
    case 1: {
      if (reply->elements != 2 || reply->element[1]->type != REDIS_REPLY_STRING) {
        throw StoreUnavailable("Redis " + where(options_) + ": take script reply without session");
      }
      return {TakeStatus::taken, std::string(reply->element[1]->str, reply->element[1]->len)};
    }
    case 2:
      return {TakeStatus::expired, {}};
    case 3:
      return {TakeStatus::replayed, {}};
    default:
      throw StoreUnavailable("Redis " + where(options_) + ": unexpected take status");
  }
}

void RedisNonceStore::ping() {
  const std::scoped_lock lock(mutex_);
  const SigpipeGuard no_sigpipe;
  ensure_connected(connection_, options_);
  const ReplyPtr reply = run(connection_, options_, {"PING"});
  if (reply->type != REDIS_REPLY_STATUS) {
    throw StoreUnavailable("Redis " + where(options_) + ": unexpected reply to PING");
  }
}

}  // namespace saferchat::store
