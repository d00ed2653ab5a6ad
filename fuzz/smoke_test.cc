// Runs a fuzz target briefly inside the regular (g++) test suite: every
// seed of its corpus, then mutations of them from a fixed random seed, so a
// run is reproducible. Coverage-guided fuzzing of the same target is
// `scripts/fuzz` (clang's libFuzzer, with AddressSanitizer).
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include "gtest/gtest.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

std::vector<std::string> ReadCorpus(const std::string& folder) {
  std::vector<std::string> seeds;
  for (const auto& entry : std::filesystem::directory_iterator(folder)) {
    std::ifstream in(entry.path(), std::ios::binary);
    seeds.emplace_back(std::istreambuf_iterator<char>(in),
                       std::istreambuf_iterator<char>());
  }
  return seeds;
}

// Byte flips, insertions, deletions, duplications and splices: the cheap
// mutations that find most parser bugs.
std::string Mutate(const std::vector<std::string>& seeds, std::mt19937& rng) {
  std::string input = seeds[rng() % seeds.size()];
  const int edits = 1 + static_cast<int>(rng() % 8);
  for (int e = 0; e < edits; ++e) {
    const size_t at = input.empty() ? 0 : rng() % (input.size() + 1);
    switch (rng() % 5) {
      case 0:
        if (at < input.size())
          input[at] ^= static_cast<char>(1u << (rng() % 8));
        break;
      case 1:
        input.insert(at, 1, static_cast<char>(rng() % 256));
        break;
      case 2:
        input.erase(at, rng() % 16);
        break;
      case 3:
        input.insert(at, input.substr(at, rng() % 32));
        break;
      default: {
        const std::string& other = seeds[rng() % seeds.size()];
        const size_t from = other.empty() ? 0 : rng() % other.size();
        input = input.substr(0, at) + other.substr(from);
      }
    }
  }
  return input;
}

int RunTarget(const std::string& input) {
  return LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(input.data()),
                                input.size());
}

TEST(FuzzSmoke, SeedsAndMutationsAreHandled) {
  const std::vector<std::string> seeds = ReadCorpus(NEWSFLOW_FUZZ_CORPUS);
  ASSERT_FALSE(seeds.empty()) << "no seeds in " << NEWSFLOW_FUZZ_CORPUS;
  for (const std::string& seed : seeds) ASSERT_EQ(RunTarget(seed), 0);
  ASSERT_EQ(RunTarget(""), 0);
  std::mt19937 rng(20111020);
  for (int i = 0; i < NEWSFLOW_FUZZ_SMOKE_RUNS; ++i) {
    ASSERT_EQ(RunTarget(Mutate(seeds, rng)), 0) << "mutation " << i;
  }
}

}  // namespace
