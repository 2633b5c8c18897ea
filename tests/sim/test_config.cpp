// Scenario loading: one test per class of bad input, includes and overrides, printing round trip.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include "sim/config.hpp"
#include "sim/errors.hpp"

using namespace biocluster;
using namespace biocluster::sim;

namespace {

struct Item {
  std::string name;
  double weight = 1.0;
};

struct Toy {
  double rate = 0.5;
  std::int64_t count = 3;
  bool on = false;
  std::string mode = "fast";
  YearMonth start{2020, 1};
  std::vector<Item> items;
};

constexpr std::array<std::string_view, 2> kModes{"fast", "slow"};

void describe_toy(ParamVisitor& v, Toy& t) {
  v.begin_section("model");
  v.real("rate", t.rate, {"1/year", 0, 1, "a rate"});
  v.integer("count", t.count, {"agents", 1, 100, "a count"});
  v.flag("on", t.on, "a switch");
  v.text("mode", t.mode, "a mode", kModes);
  v.date("start", t.start, "start month");
  v.end_section();
  visit_map(v, "items", t.items, [](ParamVisitor& w, Item& it) {
    w.real("weight", it.weight, {"kg", 0, 10, "weight"});
  });
}

Toy load(const std::string& text) {
  Toy t;
  apply_document(parse_scenario_text(text, "toy.toml"), t, describe_toy);
  return t;
}

std::string error_of(const std::string& text) {
  try {
    load(text);
  } catch (const ConfigError& e) {
    return e.what();
  }
  FAIL("expected a ConfigError for:\n" << text);
  return {};
}

bool has(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

std::filesystem::path temp_dir() {
  auto d = std::filesystem::temp_directory_path() / ("biocluster_test_config_" + std::to_string(::getpid()));
  std::filesystem::create_directories(d);
  return d;
}

void write(const std::filesystem::path& p, const std::string& text) { std::ofstream(p, std::ios::binary) << text; }

}  // namespace

TEST_CASE("a valid document sets every kind of field", "[config]") {
  const Toy t = load(R"(
[model]
rate = 0.25
count = 7
on = true
mode = "slow"
start = "2031-06"
[items.alpha]
weight = 2
[items.beta]
weight = 3.5
)");
  CHECK(t.rate == 0.25);
  CHECK(t.count == 7);
  CHECK(t.on);
  CHECK(t.mode == "slow");
  CHECK(t.start == YearMonth{2031, 6});
  REQUIRE(t.items.size() == 2);
  CHECK(t.items[0].name == "alpha");  // file order
  CHECK(t.items[0].weight == 2.0);    // an integer is accepted for a real
  CHECK(t.items[1].name == "beta");
}

TEST_CASE("unknown key: file:line and did-you-mean", "[config][bad-input]") {
  const auto m = error_of("[model]\nrate = 0.1\nrtae = 0.2\n");
  CHECK(has(m, "toy.toml:3"));
  CHECK(has(m, "unknown key 'model.rtae'"));
  CHECK(has(m, "did you mean 'model.rate'?"));
  const auto m2 = error_of("[items.a]\nwieght = 1\n");
  CHECK(has(m2, "did you mean 'items.a.weight'?"));
  CHECK(has(error_of("[nothing_like_it]\nzzz = 1\n"), "biocluster check --defaults"));
}

TEST_CASE("wrong type: says what was expected and what came", "[config][bad-input]") {
  const auto m = error_of("[model]\nrate = \"high\"\n");
  CHECK(has(m, "toy.toml:2"));
  CHECK(has(m, "'model.rate' must be a number (1/year), got string \"high\""));
  CHECK(has(error_of("[model]\ncount = 2.5\n"), "must be an integer, got float 2.5"));
  CHECK(has(error_of("[model]\ncount = 2.0\n"), "write 2, without a decimal point"));
  CHECK(has(error_of("[model]\non = 1\n"), "must be true or false"));
  CHECK(has(error_of("[model]\nmode = \"medium\"\n"), "use one of \"fast\", \"slow\""));
  CHECK(has(error_of("[model]\nstart = \"2020-13\"\n"), "bad date"));
  CHECK(has(error_of("[model]\nrate = [1, 2]\n"), "is a list"));
}

TEST_CASE("out of range: the allowed range with its unit", "[config][bad-input]") {
  const auto m = error_of("[model]\nrate = 1.5\n");
  CHECK(has(m, "toy.toml:2"));
  CHECK(has(m, "'model.rate' = 1.5 is out of range; allowed [0, 1] 1/year"));
  CHECK(has(error_of("[model]\ncount = 0\n"), "allowed [1, 100] agents"));
  CHECK(has(error_of("[model]\nrate = nan\n"), "out of range"));
  CHECK(has(error_of("[model]\nrate = inf\n"), "out of range"));
}

TEST_CASE("all errors are reported at once", "[config][bad-input]") {
  const auto m = error_of("[model]\nrate = 2\ncount = 0\nfoo = 1\n");
  CHECK(has(m, "has 3 errors"));
}

TEST_CASE("syntax errors carry the file and line", "[config][bad-input]") {
  const auto m = error_of("[model]\nrate = = 1\n");
  CHECK(has(m, "toy.toml"));
  CHECK(has(m, "TOML syntax error"));
}

TEST_CASE("not UTF-8: rejected before parsing, with line and column", "[config][bad-input]") {
  // A 0xC1 byte inside a literal string makes toml11 3.7.1 read out of bounds; we must never get there.
  const std::string bad = std::string("[model]\nmode = 'a") + char(0xC1) + "b'\n";
  const auto m = error_of(bad);
  CHECK(has(m, "toy.toml:2: column 10: invalid UTF-8 byte 0xC1"));
  CHECK(find_invalid_utf8("plain ascii") == -1);
  CHECK(find_invalid_utf8("\xED\xA0\x80") == 0);                   // surrogate
  CHECK(find_invalid_utf8("ok \xC0\xAF") == 3);                    // overlong
  CHECK(find_invalid_utf8("\xE2\x82") == 0);                       // truncated
  CHECK(find_invalid_utf8("caf\xC3\xA9 \xF0\x9F\x98\x80") == -1);  // valid multibyte
}

TEST_CASE("includes: a base and a few overriding lines", "[config]") {
  const auto dir = temp_dir();
  write(dir / "base.toml", "[model]\nrate = 0.1\ncount = 5\n[items.a]\nweight = 1\n");
  write(dir / "variant.toml", "include = \"base.toml\"\n[model]\nrate = 0.9\n[items.b]\nweight = 4\n");
  const auto doc = load_scenario_doc(dir / "variant.toml");
  Toy t;
  apply_document(doc, t, describe_toy);
  CHECK(t.rate == 0.9);
  CHECK(t.count == 5);
  REQUIRE(t.items.size() == 2);
  CHECK(doc.sources.size() == 2);
  CHECK(has(doc.sources_text(), "# ==> "));

  SECTION("an error in the override points at the override's line") {
    write(dir / "bad_variant.toml", "include = \"base.toml\"\n\n[model]\ncount = 500\n");
    try {
      Toy u;
      apply_document(load_scenario_doc(dir / "bad_variant.toml"), u, describe_toy);
      FAIL("no throw");
    } catch (const ConfigError& e) {
      CHECK(has(e.what(), "bad_variant.toml:4"));
    }
  }
  SECTION("a missing include names the including file and line") {
    write(dir / "missing.toml", "# comment\ninclude = \"nope.toml\"\n");
    try {
      load_scenario_doc(dir / "missing.toml");
      FAIL("no throw");
    } catch (const ConfigError& e) {
      CHECK(has(e.what(), "missing.toml:2"));
      CHECK(has(e.what(), "nope.toml"));
      CHECK(has(e.what(), "relative to the including file"));
    }
  }
  SECTION("include cycles are detected") {
    write(dir / "a.toml", "include = \"b.toml\"\n");
    write(dir / "b.toml", "include = \"a.toml\"\n");
    CHECK_THROWS_WITH(load_scenario_doc(dir / "a.toml"), Catch::Contains("include cycle"));
  }
  SECTION("include must be a file name") {
    write(dir / "num.toml", "include = 3\n");
    CHECK_THROWS_WITH(load_scenario_doc(dir / "num.toml"), Catch::Contains("must be a file name"));
  }
  SECTION("a missing or unreadable scenario file") {
    CHECK_THROWS_WITH(load_scenario_doc(dir / "absent.toml"), Catch::Contains("no such file"));
    CHECK_THROWS_WITH(load_scenario_doc(dir), Catch::Contains("is a directory"));
  }
  std::filesystem::remove_all(dir);
}

TEST_CASE("command-line overrides (set): TOML values, bare words as strings, bad forms rejected", "[config]") {
  auto doc = parse_scenario_text("[model]\nrate = 0.1\n", "toy.toml");
  apply_override(doc, "model.rate=0.75");
  apply_override(doc, "model.mode = slow");
  apply_override(doc, "model.start=2040-02");
  apply_override(doc, "items.x.weight=6");
  Toy t;
  apply_document(doc, t, describe_toy);
  CHECK(t.rate == 0.75);
  CHECK(t.mode == "slow");
  CHECK(t.start == YearMonth{2040, 2});
  REQUIRE(t.items.size() == 1);
  CHECK(t.items[0].weight == 6.0);
  CHECK_THROWS_AS(apply_override(doc, "no_equals_sign"), ConfigError);
  CHECK_THROWS_AS(apply_override(doc, "=3"), ConfigError);
  auto doc2 = parse_scenario_text("", "toy.toml");
  apply_override(doc2, "model.rate=7");
  Toy u;
  CHECK_THROWS_WITH(apply_document(doc2, u, describe_toy), Catch::Contains("--set model.rate"));
}

TEST_CASE("printed parameters load back to the same values", "[config]") {
  Toy t = load("[model]\nrate = 0.1234567890123\ncount = 9\nmode = \"slow\"\n[items.q]\nweight = 0.3\n");
  const std::string text = print_parameters(t, describe_toy);
  CHECK(has(text, "model.rate = 0.1234567890123"));
  CHECK(has(text, "[0, 1] 1/year"));
  const Toy back = load(text);
  CHECK(back.rate == t.rate);
  CHECK(back.count == t.count);
  CHECK(back.mode == t.mode);
  REQUIRE(back.items.size() == 1);
  CHECK(back.items[0].weight == 0.3);
  CHECK(print_parameters(const_cast<Toy&>(back), describe_toy) == text);
}

TEST_CASE("fuzz regression: a huge whole float for an integer key is an error, not a cast overflow",
          "[config][bad-input]") {
  // Found by tests/fuzz/fuzz_scenario (UBSan: 1e+308 is outside the range of type 'long'): the
  // "write N, without a decimal point" hint cast any whole double to int64, however large.
  const auto huge = error_of("[model]\ncount = 1e300\n");
  CHECK(has(huge, "toy.toml:2: 'model.count' must be an integer, got float 1e+300; allowed range [1, 100] agents"));
  CHECK_FALSE(has(huge, "(write "));
  CHECK_FALSE(has(error_of("[model]\ncount = -1e19\n"), "(write "));
  CHECK_FALSE(has(error_of("[model]\ncount = 9223372036854775808.0\n"), "(write "));  // 2^63: just too large
  // Whole numbers that fit still get the hint, down to the most negative int64.
  CHECK(has(error_of("[model]\ncount = 12.0\n"), "(write 12, without a decimal point)"));
  CHECK(has(error_of("[model]\ncount = -9223372036854775808.0\n"),
            "(write -9223372036854775808, without a decimal point)"));
}

TEST_CASE("fuzz regression: deep nesting is an error, not a stack overflow in toml11", "[config][bad-input]") {
  // Found while fuzzing: toml11 3.7.1 recurses once per nesting level, so ~10,000 nested arrays,
  // inline tables or dotted-key components crashed the loader (SIGSEGV; ASan: stack-overflow).
  auto rep = [](const std::string& s, int n) {
    std::string out;
    for (int i = 0; i < n; ++i) out += s;
    return out;
  };
  const std::string deep_message = "nested deeper than 64 levels";
  CHECK(has(error_of("[model]\nrate = 0.5\nx = " + rep("[", 200000) + rep("]", 200000) + "\n"),
            "toy.toml:3: " + deep_message));
  CHECK(has(error_of("x = " + rep("[", 200000)), deep_message));  // unterminated
  CHECK(has(error_of("x = " + rep("{a = ", 100000) + "1" + rep("}", 100000) + "\n"), deep_message));
  CHECK(has(error_of("a" + rep(".a", 200000) + " = 1\n"), deep_message));                         // dotted key
  CHECK(has(error_of("[a" + rep(".a", 200000) + "]\nx = 1\n"), deep_message));                    // table header
  CHECK(has(error_of("x = [" + rep("{a = [", 40) + "1" + rep("]}", 40) + "]\n"), deep_message));  // mixed
  // The limit: 64 levels load (a key of 64 components; 63 arrays under a key), 65 do not.
  const auto doc = parse_scenario_text("a" + rep(".a", 63) + " = 1\n", "t.toml");
  REQUIRE(doc.entries.size() == 1);
  CHECK(doc.entries[0].path == "a" + rep(".a", 63));
  CHECK(has(error_of("a" + rep(".a", 64) + " = 1\n"), "toy.toml:1: " + deep_message));
  CHECK(has(error_of("x = " + rep("[", 63) + "1" + rep("]", 63) + "\n"), "'x' is a list"));
  CHECK(has(error_of("x = " + rep("[", 64) + "1" + rep("]", 64) + "\n"), deep_message));
  // Brackets, braces and dots inside strings and comments do not count; nor do table headers that
  // close before the next one opens.
  const std::string quoted = "[a.b.c]\n# " + rep("[{.", 100) + "\ns = \"" + rep("[{.\\\"", 100) + "\"\nt = '" +
                             rep("[{.", 100) + "'\nu = \"\"\"\n" + rep("[{.", 100) + "\n\"\"\"\nv = '''" +
                             rep("[{.", 100) + "'''\n\"" + rep("[.", 100) + "\".w = 2\n";
  std::string headers;
  for (int i = 0; i < 100; ++i) headers += "[x" + std::to_string(i) + ".y]\nz = 1\n";
  const auto ok = parse_scenario_text(quoted + headers, "t.toml");
  CHECK(ok.entries.size() == 105);
}
