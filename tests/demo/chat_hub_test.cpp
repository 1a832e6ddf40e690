// SPDX-License-Identifier: Apache-2.0
// The hub against recording connections (the transport's seam): joins, presence, messages to
// everyone in the room and nobody else, refusals to the sender only, rate limits, leaving.
#include "chat/chat_hub.hpp"

#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace saferchat::demo {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

class RecordingConnection : public Connection {
 public:
  void send(std::string text) override { frames.push_back(json::parse(text)); }
  void close() override { closed = true; }

  // The frames of one type, in order.
  std::vector<json> of_type(const std::string& type) const {
    std::vector<json> out;
    for (const json& frame : frames) {
      if (frame["type"] == type) {
        out.push_back(frame);
      }
    }
    return out;
  }

  std::vector<json> frames;
  bool closed = false;
};

class ChatHubTest : public ::testing::Test {
 protected:
  ChatHubTest()
      : hub_([this] { return "token-" + std::to_string(++tokens_); },
             [this](std::string_view line) { log_.emplace_back(line); }) {}

  std::string admit(const char* room, const char* name, int age, const char* pseudonym) {
    return hub_.admit(*find_room(room), Member{.name = name, .age = age, .pseudonym = pseudonym},
                      now_);
  }

  std::shared_ptr<RecordingConnection> connect(const std::string& cookie) {
    auto connection = std::make_shared<RecordingConnection>();
    EXPECT_TRUE(hub_.connect(cookie, connection, now_));
    return connection;
  }

  ChatError say(const std::shared_ptr<RecordingConnection>& from, const std::string& text) {
    return hub_.receive(from.get(), json{{"type", "message"}, {"text", text}}.dump(), now_, wall_);
  }

  int tokens_ = 0;
  std::vector<std::string> log_;
  ChatHub::Clock::time_point now_{};
  ChatHub::WallClock::time_point wall_ = ChatHub::WallClock::time_point(1'700'000'000'000ms);
  ChatHub hub_;
};

TEST_F(ChatHubTest, PendingJoinIsTakenOnceBeforeItExpires) {
  const ChatHub::JoinStart start = hub_.start_join(*find_room("kids"), now_);
  EXPECT_EQ(start.cookie, "token-1");
  EXPECT_EQ(start.verifier_session, "token-2");
  const auto pending = hub_.take_join(start.cookie, now_ + 299s);
  ASSERT_TRUE(pending.has_value());
  EXPECT_EQ(pending->room, find_room("kids"));
  EXPECT_EQ(pending->verifier_session, "token-2");
  EXPECT_FALSE(hub_.take_join(start.cookie, now_).has_value()) << "single use";

  const ChatHub::JoinStart late = hub_.start_join(*find_room("teens"), now_);
  EXPECT_FALSE(hub_.take_join(late.cookie, now_ + 300s).has_value()) << "expired";
  EXPECT_FALSE(hub_.take_join("token-unknown", now_).has_value());
}

TEST_F(ChatHubTest, WelcomeListsTheMembersAndTheRoomHearsOfTheNewcomer) {
  const std::string lotte_cookie = admit("kids", "Lotte", 9, "pseudo-lotte");
  auto lotte = connect(lotte_cookie);
  ASSERT_EQ(lotte->of_type("welcome").size(), 1U);
  EXPECT_EQ(lotte->frames[0]["type"], "welcome") << "the page learns who it is first";
  EXPECT_EQ(lotte->of_type("welcome")[0], json::parse(R"({"type":"welcome","room":"kids","you":"m1",
                            "members":[{"id":"m1","name":"Lotte","age":9}]})"));

  auto tom = connect(admit("kids", "Tom", 10, "pseudo-tom"));
  EXPECT_EQ(
      tom->of_type("welcome")[0]["members"],
      json::parse(R"([{"id":"m1","name":"Lotte","age":9},{"id":"m2","name":"Tom","age":10}])"));
  const auto told = lotte->of_type("members");
  ASSERT_EQ(told.size(), 2U);  // herself, then Tom
  EXPECT_EQ(told[1]["joined"], json::parse(R"({"id":"m2","name":"Tom","age":10})"));
  EXPECT_EQ(told[1]["members"].size(), 2U);
  EXPECT_EQ(hub_.present_count(*find_room("kids")), 2U);
  // Nobody sees a pseudonym.
  for (const json& frame : lotte->frames) {
    EXPECT_EQ(frame.dump().find("pseudo"), std::string::npos) << frame;
  }
  // Moderators do.
  ASSERT_FALSE(log_.empty());
  EXPECT_EQ(log_[0], R"(admit room=kids member=m1 pseudonym="pseudo-lotte" name="Lotte" age=9)");
}

TEST_F(ChatHubTest, MessagesReachEveryoneInTheRoomOnly) {
  const std::string lotte_cookie = admit("kids", "Lotte", 9, "p1");
  auto lotte = connect(lotte_cookie);
  auto lotte_tab = connect(lotte_cookie);  // a second tab of the same member
  auto tom = connect(admit("kids", "Tom", 10, "p2"));
  auto teen = connect(admit("teens", "Léo", 14, "p3"));

  EXPECT_EQ(say(tom, "  Hallo <b>iedereen</b>!  "), ChatError::none);
  const json expected = json::parse(R"({"type":"message","from":{"id":"m2","name":"Tom","age":10},
                                        "text":"Hallo <b>iedereen</b>!","at":1700000000000})");
  for (const auto& connection : {lotte, lotte_tab, tom}) {
    ASSERT_EQ(connection->of_type("message").size(), 1U);
    EXPECT_EQ(connection->of_type("message")[0], expected);
  }
  EXPECT_TRUE(teen->of_type("message").empty()) << "another room";
  EXPECT_EQ(log_.back(),
            R"(message room=kids member=m2 pseudonym="p2" text="Hallo <b>iedereen</b>!")");
  // One member, two tabs: listed once.
  EXPECT_EQ(tom->of_type("welcome")[0]["members"].size(), 2U);
}

TEST_F(ChatHubTest, RefusalsGoToTheSenderOnly) {
  auto lotte = connect(admit("kids", "Lotte", 9, "p1"));
  auto tom = connect(admit("kids", "Tom", 10, "p2"));
  EXPECT_EQ(say(lotte, "   "), ChatError::empty);
  EXPECT_EQ(say(lotte, std::string(501, 'a')), ChatError::too_long);
  EXPECT_EQ(say(lotte, "a\u202eb"), ChatError::invalid_text);
  EXPECT_EQ(hub_.receive(lotte.get(), "garbage", now_, wall_), ChatError::invalid_frame);
  const auto errors = lotte->of_type("error");
  ASSERT_EQ(errors.size(), 4U);
  EXPECT_EQ(errors[0]["code"], "EMPTY");
  EXPECT_EQ(errors[1]["code"], "TOO_LONG");
  EXPECT_EQ(errors[2]["code"], "INVALID_TEXT");
  EXPECT_EQ(errors[3]["code"], "INVALID_FRAME");
  EXPECT_TRUE(tom->of_type("error").empty());
  EXPECT_TRUE(tom->of_type("message").empty());
}

TEST_F(ChatHubTest, RateLimitPerConnection) {
  auto lotte = connect(admit("kids", "Lotte", 9, "p1"));
  for (int i = 0; i < RateLimiter::default_burst; ++i) {
    EXPECT_EQ(say(lotte, "hi " + std::to_string(i)), ChatError::none);
  }
  EXPECT_EQ(say(lotte, "too many"), ChatError::too_fast);
  EXPECT_EQ(lotte->of_type("error").back()["code"], "TOO_FAST");
  EXPECT_EQ(lotte->of_type("message").size(), 5U);
  now_ += RateLimiter::default_refill;
  EXPECT_EQ(say(lotte, "later"), ChatError::none);
}

TEST_F(ChatHubTest, LastConnectionClosedMeansLeft) {
  const std::string lotte_cookie = admit("kids", "Lotte", 9, "p1");
  auto lotte = connect(lotte_cookie);
  auto lotte_tab = connect(lotte_cookie);
  auto tom = connect(admit("kids", "Tom", 10, "p2"));
  const std::size_t before = tom->of_type("members").size();
  hub_.disconnect(lotte_tab.get());
  EXPECT_EQ(tom->of_type("members").size(), before) << "still there in another tab";
  hub_.disconnect(lotte.get());
  hub_.disconnect(lotte.get());  // twice is harmless
  const auto members = tom->of_type("members");
  ASSERT_EQ(members.size(), before + 1);
  EXPECT_EQ(members.back()["left"], json::parse(R"({"id":"m1","name":"Lotte","age":9})"));
  EXPECT_EQ(members.back()["members"].size(), 1U);
  // The session lives on: she can come back.
  EXPECT_TRUE(hub_.find_session(lotte_cookie, now_).has_value());
  EXPECT_EQ(hub_.receive(lotte.get(), R"({"type":"message","text":"x"})", now_, wall_),
            ChatError::invalid_frame);
}

TEST_F(ChatHubTest, EndingTheSessionClosesItsConnections) {
  const std::string lotte_cookie = admit("kids", "Lotte", 9, "p1");
  auto lotte = connect(lotte_cookie);
  auto tom = connect(admit("kids", "Tom", 10, "p2"));
  hub_.end_session(lotte_cookie);
  EXPECT_TRUE(lotte->closed);
  EXPECT_EQ(lotte->frames.back(), json::parse(R"({"type":"ended"})"));
  EXPECT_EQ(tom->of_type("members").back()["left"]["id"], "m1");
  EXPECT_FALSE(hub_.find_session(lotte_cookie, now_).has_value());
  auto again = std::make_shared<RecordingConnection>();
  EXPECT_FALSE(hub_.connect(lotte_cookie, again, now_));
  EXPECT_TRUE(again->frames.empty());
  hub_.disconnect(lotte.get());  // the transport's later notice changes nothing
  hub_.end_session("unknown");
}

TEST_F(ChatHubTest, SessionsExpire) {
  const std::string cookie = admit("kids", "Lotte", 9, "p1");
  auto lotte = connect(cookie);
  EXPECT_TRUE(hub_.find_session(cookie, now_ + ChatHub::session_lifetime - 1s).has_value());
  EXPECT_FALSE(hub_.find_session(cookie, now_ + ChatHub::session_lifetime).has_value());
  EXPECT_TRUE(lotte->closed);
}

TEST_F(ChatHubTest, ConnectionsPerSessionAreLimited) {
  const std::string cookie = admit("kids", "Lotte", 9, "p1");
  for (std::size_t i = 0; i < ChatHub::max_connections_per_session; ++i) {
    connect(cookie);
  }
  auto one_more = std::make_shared<RecordingConnection>();
  EXPECT_FALSE(hub_.connect(cookie, one_more, now_));
  EXPECT_FALSE(hub_.connect("no-such-session", one_more, now_));
}

}  // namespace
}  // namespace saferchat::demo
