// SPDX-License-Identifier: Apache-2.0
// Runs a libFuzzer target over files and folders named on the command line, for builds
// without libFuzzer (g++): the committed corpus is replayed under ctest in every build.
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

int replay_file(const std::filesystem::path& path) {
  std::ifstream file(path, std::ios::binary);
  const std::vector<char> bytes((std::istreambuf_iterator<char>(file)),
                                std::istreambuf_iterator<char>());
  // A null pointer for an empty input, as libFuzzer passes.
  static_cast<void>(LLVMFuzzerTestOneInput(
      reinterpret_cast<const std::uint8_t*>(bytes.empty() ? nullptr : bytes.data()), bytes.size()));
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  int replayed = 0;
  for (int i = 1; i < argc; ++i) {
    const std::filesystem::path path(argv[i]);
    if (std::filesystem::is_directory(path)) {
      for (const auto& entry : std::filesystem::directory_iterator(path)) {
        if (entry.is_regular_file()) {
          replayed += replay_file(entry.path());
        }
      }
    } else {
      replayed += replay_file(path);
    }
  }
  std::printf("replayed %d inputs\n", replayed);
  return replayed > 0 ? 0 : 1;
}
