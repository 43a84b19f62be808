// The engine registry and the shared failure path.
#include "engine.h"

#include <cstdio>
#include <cstdlib>

namespace bench {

void Engine::Die(const char* what, const std::string& message) const {
  std::fprintf(stderr, "lsm_bench: [%s] %s failed: %s\n", name(), what, message.c_str());
  std::exit(1);
}

std::vector<std::string> AvailableEngines() {
  std::vector<std::string> names = {"lsm"};
#ifdef LSM_BENCH_LEVELDB
  names.push_back("leveldb");
#endif
#ifdef LSM_BENCH_ROCKSDB
  names.push_back("rocksdb");
#endif
  return names;
}

std::unique_ptr<Engine> MakeEngine(const std::string& name, const EngineConfig& config) {
  if (name == "lsm") return MakeLsmEngine(config);
#ifdef LSM_BENCH_LEVELDB
  if (name == "leveldb") return MakeLevelDBEngine(config);
#endif
#ifdef LSM_BENCH_ROCKSDB
  if (name == "rocksdb") return MakeRocksDBEngine(config);
#endif
  return nullptr;
}

}  // namespace bench
