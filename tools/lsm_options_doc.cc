// lsm_options_doc: writes docs/options.md, the reference of every option,
// from the option table (core/db/option_table.h), so that the ranges and
// defaults users read are the ones the code applies.
//
//   lsm_options_doc > docs/options.md     regenerate the reference
//   lsm_options_doc --check SOURCE_ROOT   (ctest tools.options_doc) exit 1,
//       saying why, unless SOURCE_ROOT/docs/options.md is what the table
//       generates now, and lsm.h, the Java binding and the Go binding each
//       expose every option of the C ABI and no other.
#include <cctype>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <set>
#include <sstream>
#include <string>
#include <system_error>
#include <vector>

#include "core/db/option_table.h"

namespace {

// An option as the reference shows it.
struct Row {
  std::string name;
  std::string type;
  std::string range;
  std::string def;
  std::string text;  // how lsm_options_set spells its values
  std::string doc;
};

// 65536 -> "64 KiB": the largest unit that divides the size.
std::string Bytes(uint64_t n) {
  static const char* const kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  if (n == 0) return "0";
  int unit = 0;
  while (unit < 4 && n % 1024 == 0) {
    n /= 1024;
    unit++;
  }
  return std::to_string(n) + " " + kUnits[unit];
}

// A '|' would end a Markdown table cell.
std::string Cell(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '|') out += '\\';
    out += c;
  }
  return out;
}

std::string Join(const std::vector<std::string>& items) {
  std::string out;
  for (size_t i = 0; i < items.size(); i++) out += (i ? ", " : "") + items[i];
  return out;
}

std::vector<std::string> Quoted(std::initializer_list<const char*> items, bool code_span) {
  std::vector<std::string> out;
  for (const char* s : items) out.push_back(code_span ? "`" + std::string(s) + "`" : s);
  return out;
}

// The entry of picks at the index of def among enumerators.
std::string EnumDefault(const std::vector<std::string>& enumerators,
                        const std::vector<std::string>& picks, const std::string& def) {
  for (size_t i = 0; i < enumerators.size(); i++) {
    if (enumerators[i] == def) return picks[i];
  }
  return "?";
}

struct Table {
  std::vector<Row> c_abi;       // rows of the C ABI (and the bindings)
  std::vector<Row> core;        // CORE_INT rows
  std::vector<Row> floors;      // name and core minimum (in range)
  std::set<std::string> sizes;  // names of SIZE rows, to print floors in bytes
};

Table Build() {
  Table t;
#define DOC_BOOL(name, def, doc)                                                   \
  t.c_abi.push_back({#name, "boolean", "0 or 1", (def) ? "1 (true)" : "0 (false)", \
                     "`0`, `1`, `false`, `true`", doc});
#define DOC_SIZE(name, type, min, max, def, doc)                                       \
  t.sizes.insert(#name);                                                               \
  t.c_abi.push_back(                                                                   \
      {#name, "bytes (`size_t`)",                                                      \
       Bytes(static_cast<uint64_t>(min)) + " .. " + Bytes(static_cast<uint64_t>(max)), \
       Bytes(static_cast<uint64_t>(def)), "decimal digits", doc});
#define DOC_INT(name, min, max, def, doc)                                                \
  t.c_abi.push_back({#name, "`int`", std::to_string(min) + " .. " + std::to_string(max), \
                     std::to_string(def), "decimal digits", doc});
#define DOC_ENUMERATOR(spelling, enumerator, c_code) #enumerator,
#define DOC_CONSTANT(spelling, enumerator, c_code) #c_code,
#define DOC_SPELLING(spelling, enumerator, c_code) spelling,
#define DOC_ENUM(name, type, def, values, doc)                                       \
  {                                                                                  \
    const std::vector<std::string> enumerators = {values(DOC_ENUMERATOR)};           \
    const std::vector<std::string> constants = Quoted({values(DOC_CONSTANT)}, true); \
    const std::vector<std::string> spellings = Quoted({values(DOC_SPELLING)}, true); \
    t.c_abi.push_back({#name, "`int` code", Join(constants),                         \
                       EnumDefault(enumerators, constants, #def) + " (" +            \
                           EnumDefault(enumerators, spellings, #def) + ")",          \
                       Join(spellings), doc});                                       \
  }
#define DOC_CORE_INT(name, min, max, def, doc)                                          \
  t.core.push_back({#name, "`int`", std::to_string(min) + " .. " + std::to_string(max), \
                    std::to_string(def), "", doc});
  LSM_OPTION_TABLE(DOC_BOOL, DOC_SIZE, DOC_INT, DOC_ENUM, DOC_CORE_INT)
#define DOC_FLOOR(name, floor) \
  t.floors.push_back(          \
      {#name, "", t.sizes.count(#name) ? Bytes(floor) : std::to_string(floor), "", "", ""});
  LSM_OPTION_CORE_FLOORS(DOC_FLOOR)
  return t;
}

std::string Markdown() {
  const Table t = Build();
  std::ostringstream o;
  o << "# Options\n\n"
    << "<!-- Generated from core/db/option_table.h by tools/lsm_options_doc.cc; do not edit.\n"
    << "     Regenerate: BUILD_DIR/tools/lsm_options_doc > docs/options.md\n"
    << "     (ctest tools.options_doc fails while this file is out of date). -->\n\n"
    << "The options of a database, set before it is opened. Each has the same name, range and\n"
    << "default everywhere:\n\n"
    << "- C (`lsm.h`): `lsm_options_set_<name>(opts, value)`, or from a string\n"
    << "  `lsm_options_set(opts, \"<name>\", \"<text>\")` with the text of the table below.\n"
    << "- Java: `io.liblsm.Options`, one fluent setter per option in camelCase\n"
    << "  (`writeBufferSize`); enums are `Compression` and `WalMmap`.\n"
    << "- Go: the fields of `lsm.Options` in CamelCase (`WriteBufferSize`, `WALMmap`); a zero\n"
    << "  field keeps the default, `ErrorIfMissing` is `create_if_missing` inverted, and a\n"
    << "  negative `BloomBitsPerKey` builds no filters.\n"
    << "- C++ (the core): the fields of `lsm::Options` (`core/db/options.h`).\n\n"
    << "A value outside its range is refused as an invalid argument (C: `LSM_INVALID`; Java:\n"
    << "`LsmException` with `Status.INVALID`; Go: `ErrInvalid`; C++: `Status::Invalid` from\n"
    << "`DB::Open`), with a message naming the option and its range. Ranges are inclusive.\n\n"
    << "| Option | Type | Range | Default | Text (`lsm_options_set`) | Meaning |\n"
    << "|---|---|---|---|---|---|\n";
  for (const Row& r : t.c_abi) {
    o << "| `" << r.name << "` | " << r.type << " | " << Cell(r.range) << " | " << Cell(r.def)
      << " | " << Cell(r.text) << " | " << Cell(r.doc) << " |\n";
  }
  o << "\n## C++ core only\n\n"
    << "`lsm::Options` has these fields besides, which the C ABI and the bindings leave at their\n"
    << "defaults:\n\n"
    << "| Option | Type | Range | Default | Meaning |\n"
    << "|---|---|---|---|---|\n";
  for (const Row& r : t.core) {
    o << "| `" << r.name << "` | " << r.type << " | " << Cell(r.range) << " | " << Cell(r.def)
      << " | " << Cell(r.doc) << " |\n";
  }
  o << "\n`Options::Validate` (run by `DB::Open`) also accepts these options below their\n"
    << "documented minimum, down to the value shown: the engine works there, and the core's\n"
    << "tests use such sizes to get many files and levels out of little data, but the C ABI\n"
    << "and the bindings hold users to the documented range.\n\n"
    << "| Option | Core minimum |\n"
    << "|---|---|\n";
  for (const Row& r : t.floors) o << "| `" << r.name << "` | " << r.range << " |\n";
  return o.str();
}

bool ReadFile(const std::filesystem::path& p, std::string* out) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return false;
  std::ostringstream s;
  s << in.rdbuf();
  *out = s.str();
  return true;
}

// The contents of the files directly in dir whose names end in suffix and
// do not end in exclude, concatenated.
std::string Sources(const std::filesystem::path& dir, const std::string& suffix,
                    const std::string& exclude) {
  auto ends = [](const std::string& s, const std::string& end) {
    return !end.empty() && s.size() >= end.size() &&
           s.compare(s.size() - end.size(), end.size(), end) == 0;
  };
  std::string all;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
    const std::string name = e.path().filename().string();
    if (!e.is_regular_file() || !ends(name, suffix) || ends(name, exclude)) continue;
    std::string text;
    if (ReadFile(e.path(), &text)) all += text;
  }
  return all;
}

bool IsIdentifierChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

// The names that text calls or declares as prefix<name>(, e.g. every
// lsm_options_set_<name>( of lsm.h. The prefix must start an identifier:
// read_options_set_fill_cache( is not options_set_fill_cache(.
std::set<std::string> Declared(const std::string& text, const std::string& prefix) {
  std::set<std::string> names;
  for (size_t at = text.find(prefix); at != std::string::npos; at = text.find(prefix, at + 1)) {
    if (at > 0 && IsIdentifierChar(text[at - 1])) continue;
    size_t end = at + prefix.size();
    while (end < text.size() && IsIdentifierChar(text[end])) end++;
    if (end < text.size() && text[end] == '(' && end > at + prefix.size()) {
      names.insert(text.substr(at + prefix.size(), end - at - prefix.size()));
    }
  }
  return names;
}

int Check(const std::filesystem::path& root) {
  int problems = 0;
  auto problem = [&](const std::string& what) {
    std::cerr << "lsm_options_doc: " << what << "\n";
    problems++;
  };

  std::string committed;
  const std::string generated = Markdown();
  if (!ReadFile(root / "docs/options.md", &committed)) {
    problem("cannot read " + (root / "docs/options.md").string());
  } else if (committed != generated) {
    size_t line = 1;
    size_t i = 0;
    while (i < committed.size() && i < generated.size() && committed[i] == generated[i]) {
      if (committed[i] == '\n') line++;
      i++;
    }
    problem("docs/options.md differs from the option table from line " + std::to_string(line) +
            " on; regenerate it: BUILD_DIR/tools/lsm_options_doc > docs/options.md");
  }

  std::set<std::string> c_abi;
  for (const Row& r : Build().c_abi) c_abi.insert(r.name);

  struct Surface {
    std::string what;
    std::string text;
    std::string prefix;  // how the surface calls or declares an option's setter
  };
  std::string header;
  if (!ReadFile(root / "capi/include/lsm.h", &header)) problem("cannot read capi/include/lsm.h");
  const std::vector<Surface> surfaces = {
      {"capi/include/lsm.h", header, "lsm_options_set_"},
      {"the Java binding (bindings/java/src/main/java/io/liblsm/*.java)",
       Sources(root / "bindings/java/src/main/java/io/liblsm", ".java", ""), "options_set_"},
      // Not bindings/go/internal/capi: SWIG's wrappers there define every
      // setter whether the binding uses it or not.
      {"the Go binding (bindings/go/*.go)", Sources(root / "bindings/go", ".go", "_test.go"),
       "Options_set_"},
  };
  for (const Surface& s : surfaces) {
    const std::set<std::string> found = Declared(s.text, s.prefix);
    for (const std::string& name : c_abi) {
      if (!found.count(name)) problem(s.what + " has no " + s.prefix + name + "(");
    }
    for (const std::string& name : found) {
      if (!c_abi.count(name))
        problem(s.what + " has " + s.prefix + name + "(, which the option table lacks");
    }
  }
  // lsm.h lists the names lsm_options_set takes.
  for (const std::string& name : c_abi) {
    if (header.find("\"" + name + "\"") == std::string::npos) {
      problem("capi/include/lsm.h does not list \"" + name + "\" among lsm_options_set's names");
    }
  }
  return problems == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 1) {
    std::cout << Markdown();
    return std::cout.flush() ? 0 : 1;
  }
  if (argc == 3 && std::string(argv[1]) == "--check") return Check(argv[2]);
  std::cerr << "usage: lsm_options_doc [--check SOURCE_ROOT]\n";
  return 2;
}
