#include "sfar/models/pickle_reader.h"

#include <caffe2/serialize/inline_container.h>

#include <cstdio>
#include <cstring>
#include <map>
#include <optional>

#include "sfar/core/error.h"
#include "sfar/core/torch_compat.h"

namespace sfar::models {

using Kind = PickleValue::Kind;

bool PickleValue::is_string_keyed_dict() const {
  if (kind != Kind::kDict) return false;
  for (const auto& [key, value] : entries) {
    if (key->kind != Kind::kString) return false;
  }
  return true;
}

const PickleValue* PickleValue::find(const std::string& key) const {
  if (kind != Kind::kDict) return nullptr;
  for (const auto& [k, v] : entries) {
    if (k->kind == Kind::kString && k->text == key) return v.get();
  }
  return nullptr;
}

std::string PickleValue::describe() const {
  switch (kind) {
    case Kind::kNone: return "None";
    case Kind::kBool: return "bool";
    case Kind::kInt: return "int";
    case Kind::kFloat: return "float";
    case Kind::kString: return "str";
    case Kind::kBytes: return "bytes";
    case Kind::kTuple: return "tuple";
    case Kind::kList: return "list";
    case Kind::kDict: return "dict";
    case Kind::kTensor: return "tensor";
    case Kind::kGlobal: return "global " + text;
    case Kind::kObject: return "object " + text;
  }
  return "unknown";
}

namespace {

PickleRef make(Kind kind) {
  auto value = std::make_shared<PickleValue>();
  value->kind = kind;
  return value;
}

// torch.<Name>Storage -> dtype.
std::optional<torch::Dtype> storage_dtype(const std::string& global) {
  static const std::map<std::string, torch::Dtype> kTypes = {
      {"torch.FloatStorage", torch::kFloat32},   {"torch.DoubleStorage", torch::kFloat64},
      {"torch.HalfStorage", torch::kFloat16},    {"torch.BFloat16Storage", torch::kBFloat16},
      {"torch.LongStorage", torch::kInt64},      {"torch.IntStorage", torch::kInt32},
      {"torch.ShortStorage", torch::kInt16},     {"torch.CharStorage", torch::kInt8},
      {"torch.ByteStorage", torch::kUInt8},      {"torch.BoolStorage", torch::kBool},
      {"torch.UntypedStorage", torch::kUInt8}};
  const auto found = kTypes.find(global);
  if (found == kTypes.end()) return std::nullopt;
  return found->second;
}

class Reader {
 public:
  Reader(const std::string& path, caffe2::serialize::PyTorchStreamReader& archive, std::string bytes)
      : path_(path), archive_(archive), bytes_(std::move(bytes)) {}

  PickleRef run() {
    while (true) {
      const auto opcode = static_cast<unsigned char>(take(1)[0]);
      if (opcode == '.') break;
      step(opcode);
    }
    if (stack_.size() != 1) fail("pickle ends with " + std::to_string(stack_.size()) + " values on its stack");
    return stack_.back();
  }

 private:
  [[noreturn]] void fail(const std::string& message) const {
    throw FormatError(path_ + ": data.pkl at byte " + std::to_string(opcode_at_), message);
  }

  std::string take(std::size_t n) {
    if (n > bytes_.size() - pos_) fail("pickle ends early");
    std::string out = bytes_.substr(pos_, n);
    pos_ += n;
    return out;
  }
  std::uint64_t unsigned_le(std::size_t n) {
    const std::string b = take(n);
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < n; ++i) v |= static_cast<std::uint64_t>(static_cast<unsigned char>(b[i])) << (8 * i);
    return v;
  }
  std::string line() {
    const auto end = bytes_.find('\n', pos_);
    if (end == std::string::npos) fail("pickle ends inside a text line");
    std::string out = bytes_.substr(pos_, end - pos_);
    pos_ = end + 1;
    return out;
  }

  PickleRef pop() {
    if (stack_.empty() || (!marks_.empty() && stack_.size() <= marks_.back())) fail("pickle stack underflow");
    auto value = stack_.back();
    stack_.pop_back();
    return value;
  }
  PickleRef& top() {
    if (stack_.empty()) fail("pickle stack underflow");
    return stack_.back();
  }
  std::vector<PickleRef> pop_to_mark() {
    if (marks_.empty()) fail("pickle has no MARK to pop to");
    std::vector<PickleRef> items(stack_.begin() + static_cast<std::ptrdiff_t>(marks_.back()), stack_.end());
    stack_.resize(marks_.back());
    marks_.pop_back();
    return items;
  }
  void push(PickleRef value) { stack_.push_back(std::move(value)); }
  void push_int(std::int64_t v) {
    auto value = make(Kind::kInt);
    value->integer = v;
    push(value);
  }
  void push_text(Kind kind, std::string text) {
    auto value = make(kind);
    value->text = std::move(text);
    push(value);
  }
  void push_tuple(std::vector<PickleRef> items) {
    auto value = make(Kind::kTuple);
    value->items = std::move(items);
    push(value);
  }
  PickleRef memo_get(std::uint64_t index) {
    const auto found = memo_.find(index);
    if (found == memo_.end()) fail("memo entry " + std::to_string(index) + " read before it was written");
    return found->second;
  }

  void set_items(PickleValue& target, std::vector<PickleRef> items) {
    if (items.size() % 2 != 0) fail("SETITEMS with an odd number of values");
    if (target.kind != Kind::kDict && target.kind != Kind::kObject) fail("SETITEMS on a " + target.describe());
    for (std::size_t i = 0; i < items.size(); i += 2) {
      bool replaced = false;
      if (items[i]->kind == Kind::kString) {
        for (auto& entry : target.entries) {
          if (entry.first->kind == Kind::kString && entry.first->text == items[i]->text) {
            entry.second = items[i + 1];
            replaced = true;
          }
        }
      }
      if (!replaced) target.entries.emplace_back(items[i], items[i + 1]);
    }
  }
  void append_items(PickleValue& target, const std::vector<PickleRef>& items) {
    if (target.kind != Kind::kList && target.kind != Kind::kObject) fail("APPENDS on a " + target.describe());
    target.items.insert(target.items.end(), items.begin(), items.end());
  }

  std::int64_t as_int(const PickleRef& v, const char* what) {
    if (v->kind != Kind::kInt && v->kind != Kind::kBool) fail(std::string(what) + " is a " + v->describe() + ", not an int");
    return v->integer;
  }
  std::vector<std::int64_t> as_ints(const PickleRef& v, const char* what) {
    if (v->kind != Kind::kTuple && v->kind != Kind::kList) fail(std::string(what) + " is not a tuple");
    std::vector<std::int64_t> out;
    for (const auto& item : v->items) out.push_back(as_int(item, what));
    return out;
  }

  // ('storage', torch.<T>Storage, key, location, numel) -> a tensor of the whole storage.
  PickleRef load_storage(const PickleRef& id) {
    if (id->kind != Kind::kTuple || id->items.size() < 5 || id->items[0]->text != "storage" ||
        id->items[1]->kind != Kind::kGlobal || id->items[2]->kind != Kind::kString) {
      fail("persistent id is not a ('storage', type, key, location, numel) tuple");
    }
    const auto dtype = storage_dtype(id->items[1]->text);
    if (!dtype) fail("storage type not supported: " + id->items[1]->text);
    const std::string& key = id->items[2]->text;
    auto cached = storages_.find(key);
    if (cached != storages_.end()) return cached->second;
    const std::int64_t numel = as_int(id->items[4], "storage numel");
    const auto itemsize = static_cast<std::int64_t>(c10::elementSize(*dtype));
    auto tensor = torch::empty({numel}, torch::TensorOptions().dtype(*dtype));
    if (numel > 0) {
      const std::string record = "data/" + key;
      if (!archive_.hasRecord(record)) fail("storage record " + record + " is missing from the zip");
      auto [data, size] = archive_.getRecord(record);
      if (static_cast<std::int64_t>(size) < numel * itemsize) {
        fail("storage record " + record + " holds " + std::to_string(size) + " bytes, " +
             std::to_string(numel * itemsize) + " expected");
      }
      std::memcpy(tensor.data_ptr(), data.get(), static_cast<std::size_t>(numel * itemsize));
    }
    auto value = make(Kind::kTensor);
    value->tensor = tensor;
    storages_[key] = value;
    return value;
  }

  // torch._utils._rebuild_tensor_v2(storage, offset, size, stride, ...).
  PickleRef rebuild_tensor(const std::vector<PickleRef>& args) {
    if (args.size() < 4 || args[0]->kind != Kind::kTensor) fail("_rebuild_tensor_v2 without a storage");
    const auto& storage = args[0]->tensor;
    const auto offset = as_int(args[1], "tensor offset");
    const auto size = as_ints(args[2], "tensor size");
    const auto stride = as_ints(args[3], "tensor stride");
    if (size.size() != stride.size()) fail("tensor size and stride differ in length");
    std::int64_t last = offset;
    bool empty = false;
    for (std::size_t i = 0; i < size.size(); ++i) {
      if (size[i] < 0 || stride[i] < 0) fail("negative tensor size or stride");
      if (size[i] == 0) empty = true;
      last += (size[i] - 1) * stride[i];
    }
    if (offset < 0 || (!empty && last >= storage.numel())) {
      fail("tensor reaches outside its storage (" + std::to_string(storage.numel()) + " elements)");
    }
    auto value = make(Kind::kTensor);
    value->tensor = empty ? torch::empty(size, storage.options())
                          : storage.as_strided(size, stride, offset).clone();
    return value;
  }

  PickleRef reduce(const PickleRef& callable, const PickleRef& args) {
    const std::vector<PickleRef> list = args->kind == Kind::kTuple ? args->items : std::vector<PickleRef>{};
    const std::string name = callable->kind == Kind::kGlobal ? callable->text : "";
    if (name == "collections.OrderedDict" || name == "builtins.dict") {
      auto dict = make(Kind::kDict);
      if (!list.empty() && list[0]->kind == Kind::kDict) dict->entries = list[0]->entries;
      return dict;
    }
    if (name == "torch._utils._rebuild_tensor_v2" || name == "torch._utils._rebuild_tensor") return rebuild_tensor(list);
    if (name == "torch._utils._rebuild_parameter" || name == "torch._utils._rebuild_parameter_with_state") {
      if (list.empty() || list[0]->kind != Kind::kTensor) fail("_rebuild_parameter without a tensor");
      return list[0];
    }
    if (name == "torch._tensor._rebuild_from_type_v2" && list.size() >= 3) return reduce(list[0], list[2]);
    auto object = make(Kind::kObject);
    object->text = name.empty() ? callable->describe() : name;
    object->items = list;
    return object;
  }

  void step(unsigned char opcode);

  std::string path_;
  caffe2::serialize::PyTorchStreamReader& archive_;
  std::string bytes_;
  std::size_t pos_ = 0, opcode_at_ = 0;
  std::vector<PickleRef> stack_;
  std::vector<std::size_t> marks_;
  std::map<std::uint64_t, PickleRef> memo_;
  std::map<std::string, PickleRef> storages_;
};

void Reader::step(unsigned char opcode) {
  opcode_at_ = pos_ - 1;
  switch (opcode) {
    case 0x80: take(1); break;                                  // PROTO
    case 0x95: take(8); break;                                  // FRAME
    case '(': marks_.push_back(stack_.size()); break;           // MARK
    case '0': pop(); break;                                     // POP
    case '1': pop_to_mark(); break;                             // POP_MARK
    case '2': push(top()); break;                               // DUP
    case 'N': push(make(Kind::kNone)); break;
    case 0x88: case 0x89: {                                     // NEWTRUE, NEWFALSE
      auto v = make(Kind::kBool);
      v->integer = opcode == 0x88;
      push(v);
    } break;
    case 'J': push_int(static_cast<std::int32_t>(unsigned_le(4))); break;  // BININT
    case 'K': push_int(static_cast<std::int64_t>(unsigned_le(1))); break;  // BININT1
    case 'M': push_int(static_cast<std::int64_t>(unsigned_le(2))); break;  // BININT2
    case 0x8a: {                                                // LONG1
      const auto n = unsigned_le(1);
      if (n > 8) fail("integer wider than 64 bits");
      std::uint64_t v = n ? unsigned_le(n) : 0;
      if (n && n < 8 && (v >> (8 * n - 1)) & 1) v |= ~std::uint64_t{0} << (8 * n);  // sign-extend
      push_int(static_cast<std::int64_t>(v));
    } break;
    case 'G': {                                                 // BINFLOAT, big-endian
      std::uint64_t bits = 0;
      for (char c : take(8)) bits = (bits << 8) | static_cast<unsigned char>(c);
      auto v = make(Kind::kFloat);
      std::memcpy(&v->number, &bits, sizeof bits);
      push(v);
    } break;
    case 'X': push_text(Kind::kString, take(unsigned_le(4))); break;     // BINUNICODE
    case 0x8c: push_text(Kind::kString, take(unsigned_le(1))); break;    // SHORT_BINUNICODE
    case 0x8d: push_text(Kind::kString, take(unsigned_le(8))); break;    // BINUNICODE8
    case 'T': case 'B': push_text(Kind::kBytes, take(unsigned_le(4))); break;  // BINSTRING, BINBYTES
    case 'U': case 'C': push_text(Kind::kBytes, take(unsigned_le(1))); break;  // SHORT_BINSTRING/BYTES
    case 0x8e: push_text(Kind::kBytes, take(unsigned_le(8))); break;     // BINBYTES8
    case ')': push_tuple({}); break;                            // EMPTY_TUPLE
    case 0x85: case 0x86: case 0x87: {                          // TUPLE1..3
      std::vector<PickleRef> items(opcode - 0x84);
      for (auto it = items.rbegin(); it != items.rend(); ++it) *it = pop();
      push_tuple(std::move(items));
    } break;
    case 't': push_tuple(pop_to_mark()); break;                 // TUPLE
    case ']': push(make(Kind::kList)); break;                   // EMPTY_LIST
    case 'l': {                                                 // LIST
      auto v = make(Kind::kList);
      v->items = pop_to_mark();
      push(v);
    } break;
    case 0x8f: push(make(Kind::kList)); break;                  // EMPTY_SET (kept as a list)
    case 'a': { auto item = pop(); append_items(*top(), {item}); } break;  // APPEND
    case 'e': case 0x90: { auto items = pop_to_mark(); append_items(*top(), items); } break;  // APPENDS, ADDITEMS
    case 0x91: {                                                // FROZENSET
      auto v = make(Kind::kList);
      v->items = pop_to_mark();
      push(v);
    } break;
    case '}': push(make(Kind::kDict)); break;                   // EMPTY_DICT
    case 'd': {                                                 // DICT
      auto v = make(Kind::kDict);
      set_items(*v, pop_to_mark());
      push(v);
    } break;
    case 's': { auto value = pop(); auto key = pop(); set_items(*top(), {key, value}); } break;  // SETITEM
    case 'u': { auto items = pop_to_mark(); set_items(*top(), std::move(items)); } break;      // SETITEMS
    case 'q': memo_[unsigned_le(1)] = top(); break;             // BINPUT
    case 'r': memo_[unsigned_le(4)] = top(); break;             // LONG_BINPUT
    case 0x94: { const auto n = memo_.size(); memo_[n] = top(); } break;  // MEMOIZE
    case 'h': push(memo_get(unsigned_le(1))); break;            // BINGET
    case 'j': push(memo_get(unsigned_le(4))); break;            // LONG_BINGET
    case 'c': {                                                 // GLOBAL
      std::string module = line();
      push_text(Kind::kGlobal, module + "." + line());
    } break;
    case 0x93: {                                                // STACK_GLOBAL
      auto name = pop();
      auto module = pop();
      push_text(Kind::kGlobal, module->text + "." + name->text);
    } break;
    case 'R': { auto args = pop(); auto callable = pop(); push(reduce(callable, args)); } break;  // REDUCE
    case 0x81: { auto args = pop(); auto cls = pop(); push(reduce(cls, args)); } break;           // NEWOBJ
    case 0x92: { pop(); auto args = pop(); auto cls = pop(); push(reduce(cls, args)); } break;    // NEWOBJ_EX
    case 'b': pop(); break;  // BUILD: an object's state (an OrderedDict's _metadata) is not needed
    case 'Q': push(load_storage(pop())); break;                 // BINPERSID
    default: {
      char hex[8];
      std::snprintf(hex, sizeof hex, "0x%02x", opcode);
      fail(std::string("pickle opcode ") + hex + " is not supported (protocol 5 buffers, extensions or text opcodes)");
    }
  }
}

}  // namespace

PickleRef read_torch_save(const std::string& path) {
  try {
    caffe2::serialize::PyTorchStreamReader archive(path);
    if (archive.hasRecord("byteorder")) {
      auto [data, size] = archive.getRecord("byteorder");
      const std::string order(static_cast<const char*>(data.get()), size);
      if (order != "little") throw FormatError(path, "byte order of the tensors is not little-endian", order);
    }
    if (!archive.hasRecord("data.pkl")) throw FormatError(path, "zip has no data.pkl: not a torch.save file");
    auto [data, size] = archive.getRecord("data.pkl");
    Reader reader(path, archive, std::string(static_cast<const char*>(data.get()), size));
    return reader.run();
  } catch (const c10::Error& e) {
    throw FormatError(path, "cannot read torch.save archive: " + compat::error_message(e));
  }
}

}  // namespace sfar::models
