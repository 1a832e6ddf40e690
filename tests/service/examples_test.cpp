// SPDX-License-Identifier: Apache-2.0
// The Node.js and Python backends of docs/integration.md §5 (docs/examples/), run for real
// against a live saferchatd with tokens from the test cards; and the guide must show them
// verbatim, so what readers copy is what was tested.
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "service/support/saferchatd_fixture.hpp"

namespace saferchat::testing {
namespace {

using std::chrono::seconds;

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

class ExamplesTest : public ::testing::Test {
 protected:
  ExamplesTest() : server_(test_config(dir_), dir_) {}

  // Runs a check script with the example's environment; returns its exit status and output.
  std::pair<int, std::string> run_check(const std::vector<std::string>& argv) {
    ChildProcess child(argv, dir_.file("check.err"),
                       {{"SAFERCHATD_URL", "http://127.0.0.1:" + std::to_string(server_.port())},
                        {"CHAT_ORIGIN", test_origin},
                        {"SAFERCHAT_EXAMPLES_DIR", SAFERCHAT_EXAMPLES_DIR},
                        {"SAFERCHAT_TEST_TOKEN", SAFERCHAT_TEST_TOKEN_PATH},
                        {"SAFERCHAT_TEST_CARDS", test_cards_root() + "/cards"},
                        // Loopback must not go through a proxy (urllib honours http_proxy).
                        {"no_proxy", "127.0.0.1,localhost"},
                        {"NO_PROXY", "127.0.0.1,localhost"},
                        // No __pycache__ in the source tree.
                        {"PYTHONDONTWRITEBYTECODE", "1"}});
    std::string out = child.read_all(seconds(60));
    const auto status = child.wait(seconds(10));
    return {status.value_or(-1), out + child.stderr_text()};
  }

  TempDir dir_;
  Saferchatd server_;
};

TEST_F(ExamplesTest, NodeBackend) {
  const auto [status, output] = run_check(
      {SAFERCHAT_NODE, std::string(SAFERCHAT_EXAMPLE_CHECKS_DIR) + "/check_node_example.mjs"});
  EXPECT_EQ(status, 0) << output;
  EXPECT_EQ(output, "node example: 4 checks passed\n");
  EXPECT_TRUE(server_.log_has("path=/v1/verify status=400 reason=UNKNOWN_ROOM"));
}

TEST_F(ExamplesTest, PythonBackend) {
  const auto [status, output] = run_check(
      {SAFERCHAT_PYTHON3, std::string(SAFERCHAT_EXAMPLE_CHECKS_DIR) + "/check_python_example.py"});
  EXPECT_EQ(status, 0) << output;
  EXPECT_EQ(output, "python example: 4 checks passed\n");
}

TEST(ExamplesDocTest, TheGuideShowsTheTestedFilesVerbatim) {
  // docs/integration.md §5 (or docs/integration-server.md while the guide has no §5 yet).
  const std::string heading = "## 5. Your server: verifying the token";
  std::string guide;
  for (const char* name : {"integration.md", "integration-server.md"}) {
    const std::string text = read_text(std::string(SAFERCHAT_DOCS_DIR) + "/" + name);
    if (text.find(heading) != std::string::npos) {
      guide = text.substr(text.find(heading));
      break;
    }
  }
  ASSERT_FALSE(guide.empty()) << "no \"" << heading << "\" in docs/";
  const std::string node =
      read_text(std::string(SAFERCHAT_EXAMPLES_DIR) + "/saferchat-backend.mjs");
  const std::string python =
      read_text(std::string(SAFERCHAT_EXAMPLES_DIR) + "/saferchat_backend.py");
  ASSERT_FALSE(node.empty());
  ASSERT_FALSE(python.empty());
  EXPECT_NE(guide.find("```js\n" + node + "```\n"), std::string::npos)
      << "docs/examples/saferchat-backend.mjs differs from the guide's copy";
  EXPECT_NE(guide.find("```python\n" + python + "```\n"), std::string::npos)
      << "docs/examples/saferchat_backend.py differs from the guide's copy";
}

}  // namespace
}  // namespace saferchat::testing
