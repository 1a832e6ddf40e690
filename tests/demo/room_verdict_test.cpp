// SPDX-License-Identifier: Apache-2.0
// Rooms and their policies; saferchatd's verify replies read into admissions or refusals.
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "chat/room.hpp"
#include "chat/verdict.hpp"

namespace saferchat::demo {
namespace {

using nlohmann::json;

TEST(Rooms, KidsTeensEveryone) {
  ASSERT_EQ(rooms().size(), 3U);
  EXPECT_EQ(rooms()[0].id, "kids");
  EXPECT_EQ(rooms()[1].id, "teens");
  EXPECT_EQ(rooms()[2].id, "everyone");
  const Room* kids = find_room("kids");
  ASSERT_NE(kids, nullptr);
  EXPECT_EQ(room_policy(*kids), json::parse(R"({"minAge":6,"maxAge":11})"));
  EXPECT_EQ(room_policy(*find_room("teens")), json::parse(R"({"minAge":12,"maxAge":15})"));
  EXPECT_EQ(room_policy(*find_room("everyone")), json::parse(R"({"minAge":6,"maxAge":15})"));
  EXPECT_EQ(find_room("adults"), nullptr);
  EXPECT_EQ(find_room("Kids"), nullptr);
  EXPECT_EQ(find_room(""), nullptr);
}

TEST(FirstGivenName, FirstOfTheNames) {
  EXPECT_EQ(first_given_name("Lotte Marie"), "Lotte");
  EXPECT_EQ(first_given_name("Jean-Pierre Luc"), "Jean-Pierre");
  EXPECT_EQ(first_given_name("  Léo  Martin"), "Léo");
  EXPECT_EQ(first_given_name("Zoë"), "Zoë");
  EXPECT_EQ(first_given_name(""), "");
  EXPECT_EQ(first_given_name("   "), "");
  EXPECT_EQ(first_given_name("\xff\xfe"), "");
  // At most 40 code points, cut between code points.
  std::string long_name;
  for (int i = 0; i < 45; ++i) {
    long_name += "é";
  }
  std::string forty;
  for (int i = 0; i < 40; ++i) {
    forty += "é";
  }
  EXPECT_EQ(first_given_name(long_name), forty);
}

const Room& kids() { return *find_room("kids"); }

std::string accepted(int age) {
  return json{{"verdict", "accepted"},
              {"holder",
               {{"givenNames", "Lotte Marie"},
                {"surname", "Testkind"},
                {"birthDate", "2017-10-19"},
                {"age", age},
                {"pseudonym", "pseudo-123"}}}}
      .dump();
}

TEST(VerifyReply, AcceptedGivesFirstNameAgeAndPseudonym) {
  const Admission admission = read_verify_reply(200, accepted(9), kids());
  ASSERT_TRUE(admission.member.has_value());
  EXPECT_EQ(admission.member->name, "Lotte");
  EXPECT_EQ(admission.member->age, 9);
  EXPECT_EQ(admission.member->pseudonym, "pseudo-123");
}

TEST(VerifyReply, RejectedGivesTheCategorysRefusal) {
  const Admission admission = read_verify_reply(
      200,
      R"({"verdict":"rejected","reason":"AGE_TOO_HIGH","category":"too_old","message":"x",)"
      R"("holder":{"givenNames":"Pieter","surname":"Testvolwassene","age":40}})",
      kids());
  EXPECT_FALSE(admission.member.has_value());
  EXPECT_EQ(admission.refusal, Refusal::too_old);
  EXPECT_EQ(admission.reason, "AGE_TOO_HIGH");
  EXPECT_EQ(admission.refused_pseudonym, "");  // this reply named no pseudonym

  const Admission adult =
      read_verify_reply(200,
                        R"({"verdict":"rejected","reason":"AGE_TOO_HIGH","category":"too_old",)"
                        R"("holder":{"givenNames":"Pieter","age":40,"pseudonym":"pseudo-adult"}})",
                        kids());
  EXPECT_FALSE(adult.member.has_value());
  EXPECT_EQ(adult.refused_pseudonym, "pseudo-adult");

  const Admission expired = read_verify_reply(
      200, R"({"verdict":"rejected","reason":"CERTIFICATE_EXPIRED","category":"card_expired"})",
      kids());
  EXPECT_EQ(expired.refusal, Refusal::card_expired);
  EXPECT_EQ(expired.reason, "CERTIFICATE_EXPIRED");

  const Admission unknown = read_verify_reply(
      200, R"({"verdict":"rejected","reason":"NEW_REASON","category":"new_category"})", kids());
  EXPECT_EQ(unknown.refusal, Refusal::software_problem);
}

TEST(VerifyReply, AnAcceptedAgeOutsideTheRoomIsStillRefused) {
  const Admission old = read_verify_reply(200, accepted(12), kids());
  EXPECT_FALSE(old.member.has_value());
  EXPECT_EQ(old.refusal, Refusal::too_old);
  EXPECT_EQ(old.reason, "AGE_TOO_HIGH");
  const Admission young = read_verify_reply(200, accepted(5), kids());
  EXPECT_EQ(young.refusal, Refusal::too_young);
  EXPECT_EQ(young.reason, "AGE_TOO_LOW");
  EXPECT_TRUE(read_verify_reply(200, accepted(6), kids()).member.has_value());
  EXPECT_TRUE(read_verify_reply(200, accepted(11), kids()).member.has_value());
}

TEST(VerifyReply, IncompleteAcceptanceIsRefused) {
  const json no_age =
      json::parse(R"({"verdict":"accepted","holder":{"givenNames":"Lotte","pseudonym":"p"}})");
  EXPECT_EQ(read_verify_reply(200, no_age.dump(), kids()).refusal, Refusal::age_unknown);
  const json no_pseudonym =
      json::parse(R"({"verdict":"accepted","holder":{"givenNames":"Lotte","age":9}})");
  EXPECT_EQ(read_verify_reply(200, no_pseudonym.dump(), kids()).refusal, Refusal::software_problem);
  const json no_name =
      json::parse(R"({"verdict":"accepted","holder":{"givenNames":"","age":9,"pseudonym":"p"}})");
  EXPECT_EQ(read_verify_reply(200, no_name.dump(), kids()).refusal, Refusal::software_problem);
  EXPECT_FALSE(read_verify_reply(200, R"({"verdict":"accepted"})", kids()).member.has_value());
  EXPECT_FALSE(read_verify_reply(200,
                                 R"({"verdict":"accepted","holder":{"givenNames":"A","age":"9",)"
                                 R"("pseudonym":"p"}})",
                                 kids())
                   .member.has_value());
}

TEST(VerifyReply, ServiceFailures) {
  const Admission down =
      read_verify_reply(503, R"({"error":{"code":"STORE_UNAVAILABLE"}})", kids());
  EXPECT_EQ(down.refusal, Refusal::service_unavailable);
  EXPECT_EQ(down.reason, "VERIFIER_UNAVAILABLE");
  const Admission bad = read_verify_reply(400, R"({"error":{"code":"BAD_REQUEST"}})", kids());
  EXPECT_EQ(bad.refusal, Refusal::software_problem);
  EXPECT_EQ(bad.reason, "VERIFIER_ERROR_400");
  EXPECT_EQ(read_verify_reply(200, "not json", kids()).refusal, Refusal::software_problem);
  EXPECT_EQ(read_verify_reply(200, "[]", kids()).refusal, Refusal::software_problem);
  EXPECT_EQ(read_verify_reply(200, R"({"verdict":"maybe"})", kids()).reason,
            "VERIFIER_REPLY_INVALID");
}

}  // namespace
}  // namespace saferchat::demo
