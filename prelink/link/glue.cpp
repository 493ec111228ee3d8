// The JS glue reader of glue.h: a tokenizer (ECMAScript's lexical grammar) and the
// extractor of the emscripten flavour's facts over its token stream.
#include "glue.h"


#include <array>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <unordered_set>

namespace wasmobj::glue {

namespace {

bool isAsciiIdStart(unsigned char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '$' || c == '_'; }
bool isAsciiIdPart(unsigned char c) { return isAsciiIdStart(c) || (c >= '0' && c <= '9'); }
bool isDigit(unsigned char c) { return c >= '0' && c <= '9'; }
bool isHex(unsigned char c) { return isDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
int hexVal(unsigned char c) { return isDigit(c) ? c - '0' : (c | 0x20) - 'a' + 10; }

// Non-ASCII white space (Zs, U+FEFF) and line terminators.
bool isUnicodeSpace(uint32_t cp) {
  return cp == 0xA0 || cp == 0xFEFF || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x202F || cp == 0x205F || cp == 0x3000;
}
bool isUnicodeNewline(uint32_t cp) { return cp == 0x2028 || cp == 0x2029; }

void appendUtf8(std::string &out, uint32_t cp) {
  if (cp < 0x80) {
    out += char(cp);
  } else if (cp < 0x800) {
    out += char(0xC0 | (cp >> 6));
    out += char(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += char(0xE0 | (cp >> 12));
    out += char(0x80 | ((cp >> 6) & 0x3F));
    out += char(0x80 | (cp & 0x3F));
  } else {
    out += char(0xF0 | (cp >> 18));
    out += char(0x80 | ((cp >> 12) & 0x3F));
    out += char(0x80 | ((cp >> 6) & 0x3F));
    out += char(0x80 | (cp & 0x3F));
  }
}

// `\u` escape at S[i] (S[i] == '\\', S[i+1] == 'u'): its code point and the index after
// it; nullopt when malformed.
std::optional<uint32_t> unicodeEscape(std::string_view s, size_t &i) {
  size_t j = i + 2;
  uint32_t cp = 0;
  if (j < s.size() && s[j] == '{') {
    ++j;
    size_t digits = 0;
    while (j < s.size() && isHex(static_cast<unsigned char>(s[j]))) {
      cp = cp * 16 + uint32_t(hexVal(static_cast<unsigned char>(s[j])));
      if (cp > 0x10FFFF) return std::nullopt;
      ++j, ++digits;
    }
    if (digits == 0 || j >= s.size() || s[j] != '}') return std::nullopt;
    i = j + 1;
    return cp;
  }
  for (int k = 0; k < 4; ++k, ++j) {
    if (j >= s.size() || !isHex(static_cast<unsigned char>(s[j]))) return std::nullopt;
    cp = cp * 16 + uint32_t(hexVal(static_cast<unsigned char>(s[j])));
  }
  i = j;
  return cp;
}

// Keywords after which `/` starts a regular expression.
bool regexKeyword(std::string_view w) {
  static constexpr std::array<std::string_view, 14> kw = {"return", "typeof", "instanceof", "in", "of", "new", "delete",
                                                          "void", "throw", "case", "do", "else", "yield", "await"};
  for (auto k : kw)
    if (w == k) return true;
  return false;
}

// Punctuators, longest first within each leading character.
constexpr std::array<std::string_view, 54> kPunctuators = {
    ">>>=", "...", "===", "!==", "**=", "<<=", ">>=", ">>>", "&&=", "||=", "?""?=", "=>", "==", "!=", "<=", ">=",
    "&&",   "||",  "?""?", "?.", "++",  "--",  "+=",  "-=",  "*=",  "%=",  "&=",     "|=", "^=", "**", "<<", ">>",
    "{",    "}",   "(",   ")",  "[",   "]",   ";",   ",",   "<",   ">",   "+",      "-",  "*",  "%",  "&",  "|",
    "^",    "!",   "~",   "?",  ":",   "=",
};

} // namespace

uint32_t Tokenizer::decodeAt(size_t at, size_t &len) const {
  auto bad = [&]() -> uint32_t { throw Error("invalid UTF-8", at); };
  unsigned char c = static_cast<unsigned char>(src_[at]);
  size_t n;
  uint32_t cp;
  if (c < 0x80) {
    len = 1;
    return c;
  } else if (c >= 0xC2 && c <= 0xDF) {
    n = 2, cp = c & 0x1F;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3, cp = c & 0x0F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4, cp = c & 0x07;
  } else {
    return bad();
  }
  if (at + n > src_.size()) return bad();
  for (size_t k = 1; k < n; ++k) {
    unsigned char d = static_cast<unsigned char>(src_[at + k]);
    if ((d & 0xC0) != 0x80) return bad();
    cp = (cp << 6) | (d & 0x3F);
  }
  if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10FFFF))) return bad();
  len = n;
  return cp;
}

void Tokenizer::skipTrivia(bool &newline) {
  if (pos_ == 0 && src_.size() >= 2 && src_[0] == '#' && src_[1] == '!')
    while (pos_ < src_.size() && src_[pos_] != '\n' && src_[pos_] != '\r') ++pos_;
  while (pos_ < src_.size()) {
    unsigned char c = static_cast<unsigned char>(src_[pos_]);
    if (c == ' ' || c == '\t' || c == '\v' || c == '\f') {
      ++pos_;
    } else if (c == '\n' || c == '\r') {
      newline = true;
      ++pos_;
    } else if (c == '/' && pos_ + 1 < src_.size() && src_[pos_ + 1] == '/') {
      // To the line's end (LF, CR, U+2028, U+2029); the terminator is the next trivia.
      pos_ += 2;
      while (pos_ < src_.size() && src_[pos_] != '\n' && src_[pos_] != '\r') {
        if (static_cast<unsigned char>(src_[pos_]) == 0xE2 && pos_ + 2 < src_.size() && static_cast<unsigned char>(src_[pos_ + 1]) == 0x80 &&
            (static_cast<unsigned char>(src_[pos_ + 2]) == 0xA8 || static_cast<unsigned char>(src_[pos_ + 2]) == 0xA9))
          break;
        ++pos_;
      }
    } else if (c == '/' && pos_ + 1 < src_.size() && src_[pos_ + 1] == '*') {
      size_t end = src_.find("*/", pos_ + 2);
      if (end == std::string_view::npos) throw Error("unterminated comment", pos_);
      for (size_t k = pos_ + 2; k < end; ++k)
        if (src_[k] == '\n' || src_[k] == '\r' ||
            (static_cast<unsigned char>(src_[k]) == 0xE2 && k + 2 < end && static_cast<unsigned char>(src_[k + 1]) == 0x80 &&
             (static_cast<unsigned char>(src_[k + 2]) & 0xFE) == 0xA8)) {
          newline = true;
          break;
        }
      pos_ = end + 2;
    } else if (c >= 0x80) {
      size_t len;
      uint32_t cp = decodeAt(pos_, len);
      if (isUnicodeNewline(cp)) newline = true;
      else if (!isUnicodeSpace(cp)) return;
      pos_ += len;
    } else {
      return;
    }
  }
}

Token Tokenizer::make(TokenKind k, uint64_t b) {
  Token t;
  t.kind = k;
  t.begin = b;
  t.end = pos_;
  t.text = src_.substr(b, pos_ - b);
  return t;
}

void Tokenizer::scanIdentifierRest() {
  while (pos_ < src_.size()) {
    unsigned char c = static_cast<unsigned char>(src_[pos_]);
    if (isAsciiIdPart(c)) {
      ++pos_;
    } else if (c == '\\') {
      size_t i = pos_;
      if (i + 1 >= src_.size() || src_[i + 1] != 'u' || !unicodeEscape(src_, i)) throw Error("invalid escape in an identifier", pos_);
      pos_ = i;
    } else if (c >= 0x80) {
      size_t len;
      uint32_t cp = decodeAt(pos_, len);
      if (isUnicodeSpace(cp) || isUnicodeNewline(cp)) return;
      pos_ += len;
    } else {
      return;
    }
  }
}

bool Tokenizer::regexAllowed() const {
  switch (prevKind_) {
  case TokenKind::End:
  case TokenKind::TemplateHead:
  case TokenKind::TemplateMiddle: return true;
  case TokenKind::Punctuator:
    if (prevText_ == ")") return closedCondition_;
    return !(prevText_ == "]" || prevText_ == "}" || prevText_ == "++" || prevText_ == "--");
  case TokenKind::Identifier: return !prevEscaped_ && !prevIsProperty_ && regexKeyword(prevText_);
  default: return false;
  }
}

// Template characters from pos_ (just after the backquote or the substitution's `}`) to
// the closing backquote or the next `${`.
Token Tokenizer::scanTemplate(uint64_t b, uint64_t literalStart, bool head) {
  while (true) {
    if (pos_ >= src_.size()) throw Error("unterminated template literal", literalStart);
    char c = src_[pos_];
    if (c == '`') {
      ++pos_;
      return make(head ? TokenKind::Template : TokenKind::TemplateTail, b);
    }
    if (c == '$' && pos_ + 1 < src_.size() && src_[pos_ + 1] == '{') {
      pos_ += 2;
      braces_.push_back(literalStart);
      return make(head ? TokenKind::TemplateHead : TokenKind::TemplateMiddle, b);
    }
    pos_ += c == '\\' ? 2 : 1;
  }
}

Token Tokenizer::next() {
  bool newline = false;
  skipTrivia(newline);
  Token t;
  const uint64_t b = pos_;
  if (pos_ >= src_.size()) {
    pos_ = src_.size();
    for (uint64_t open : braces_)
      if (open != kBrace) throw Error("unterminated template literal", open);
    t = make(TokenKind::End, pos_);
  } else {
    unsigned char c = static_cast<unsigned char>(src_[pos_]);
    unsigned char c1 = pos_ + 1 < src_.size() ? static_cast<unsigned char>(src_[pos_ + 1]) : 0;
    if (isAsciiIdStart(c) || c == '\\' || c >= 0x80) {
      // skipTrivia left a non-ASCII character here only if it is no space.
      scanIdentifierRest();
      if (pos_ == b) throw Error("invalid escape in an identifier", b);
      t = make(TokenKind::Identifier, b);
      t.escaped = t.text.find('\\') != std::string_view::npos;
    } else if (c == '#' && pos_ + 1 < src_.size() && (isAsciiIdStart(c1) || c1 == '\\' || c1 >= 0x80)) {
      ++pos_;
      scanIdentifierRest();
      t = make(TokenKind::PrivateName, b);
    } else if (isDigit(c) || (c == '.' && isDigit(c1))) {
      auto digits = [&](auto ok) {
        while (pos_ < src_.size() && (ok(static_cast<unsigned char>(src_[pos_])) || src_[pos_] == '_')) ++pos_;
      };
      bool radix = c == '0' && (c1 == 'x' || c1 == 'X' || c1 == 'o' || c1 == 'O' || c1 == 'b' || c1 == 'B');
      if (radix) {
        pos_ += 2;
        size_t d = pos_;
        char r = char(c1 | 0x20);
        digits([r](unsigned char x) { return r == 'x' ? isHex(x) : r == 'o' ? (x >= '0' && x <= '7') : (x == '0' || x == '1'); });
        if (pos_ == d) throw Error("a number without digits", b);
        if (pos_ < src_.size() && src_[pos_] == 'n') ++pos_;
      } else {
        digits(isDigit);
        bool fraction = false;
        if (pos_ < src_.size() && src_[pos_] == '.') {
          fraction = true;
          ++pos_;
          digits(isDigit);
        }
        if (pos_ < src_.size() && (src_[pos_] == 'e' || src_[pos_] == 'E')) {
          fraction = true;
          ++pos_;
          if (pos_ < src_.size() && (src_[pos_] == '+' || src_[pos_] == '-')) ++pos_;
          size_t d = pos_;
          digits(isDigit);
          if (pos_ == d) throw Error("a number with an empty exponent", b);
        }
        if (!fraction && pos_ < src_.size() && src_[pos_] == 'n') ++pos_;
      }
      if (pos_ < src_.size()) {
        unsigned char n = static_cast<unsigned char>(src_[pos_]);
        if (isAsciiIdPart(n) || n == '\\') throw Error("an identifier directly after a number", pos_);
      }
      t = make(TokenKind::Number, b);
    } else if (c == '"' || c == '\'') {
      ++pos_;
      while (true) {
        if (pos_ >= src_.size() || src_[pos_] == '\n' || src_[pos_] == '\r') throw Error("unterminated string literal", b);
        char d = src_[pos_];
        if (d == char(c)) {
          ++pos_;
          break;
        }
        if (d == '\\') {
          ++pos_;
          if (pos_ >= src_.size()) throw Error("unterminated string literal", b);
          if (src_[pos_] == '\r' && pos_ + 1 < src_.size() && src_[pos_ + 1] == '\n') ++pos_;
        }
        ++pos_;
      }
      t = make(TokenKind::String, b);
    } else if (c == '`') {
      ++pos_;
      t = scanTemplate(b, b, true);
    } else if (c == '}' && !braces_.empty() && braces_.back() != kBrace) {
      uint64_t literalStart = braces_.back();
      braces_.pop_back();
      ++pos_;
      t = scanTemplate(b, literalStart, false);
    } else if (c == '/' && regexAllowed()) {
      ++pos_;
      bool inClass = false;
      while (true) {
        if (pos_ >= src_.size() || src_[pos_] == '\n' || src_[pos_] == '\r') throw Error("unterminated regular expression literal", b);
        char d = src_[pos_];
        if (d == '\\') {
          ++pos_;
          if (pos_ >= src_.size() || src_[pos_] == '\n' || src_[pos_] == '\r') throw Error("unterminated regular expression literal", b);
        } else if (d == '[') {
          inClass = true;
        } else if (d == ']') {
          inClass = false;
        } else if (d == '/' && !inClass) {
          ++pos_;
          break;
        }
        ++pos_;
      }
      scanIdentifierRest(); // flags
      t = make(TokenKind::Regex, b);
    } else {
      std::string_view rest = src_.substr(pos_, 4);
      std::string_view p;
      if (c == '/') {
        p = c1 == '=' ? "/=" : "/";
      } else if (c == '.') {
        p = rest.substr(0, 3) == "..." ? "..." : ".";
      } else {
        for (auto k : kPunctuators)
          if (k[0] == char(c) && rest.substr(0, k.size()) == k) {
            p = k;
            break;
          }
        // `a?.5:b` is a conditional, not an optional chain.
        if (p == "?." && pos_ + 2 < src_.size() && isDigit(static_cast<unsigned char>(src_[pos_ + 2]))) p = "?";
      }
      if (p.empty()) {
        char buf[64];
        std::snprintf(buf, sizeof buf, "unexpected character 0x%02x", unsigned(c));
        throw Error(buf, b);
      }
      pos_ += p.size();
      t = make(TokenKind::Punctuator, b);
      if (p == "{") {
        braces_.push_back(kBrace);
      } else if (p == "}" && !braces_.empty()) {
        braces_.pop_back();
      } else if (p == "(") {
        parens_.push_back(prevKind_ == TokenKind::Identifier && !prevEscaped_ && !prevIsProperty_ &&
                          (prevText_ == "if" || prevText_ == "while" || prevText_ == "for" || prevText_ == "with"));
      } else if (p == ")") {
        closedCondition_ = !parens_.empty() && parens_.back();
        if (!parens_.empty()) parens_.pop_back();
      }
    }
  }
  t.newlineBefore = newline;
  bool dot = t.kind == TokenKind::Punctuator && (t.text == "." || t.text == "?.");
  prevIsProperty_ = t.kind == TokenKind::Identifier && lastWasDot_;
  lastWasDot_ = dot;
  prevKind_ = t.kind;
  prevText_ = t.text;
  prevEscaped_ = t.escaped;
  return t;
}

std::string Tokenizer::identifierName(const Token &t) {
  std::string_view s = t.text;
  if (!t.escaped) return std::string(s);
  std::string out;
  for (size_t i = 0; i < s.size();) {
    if (s[i] == '\\') {
      auto cp = unicodeEscape(s, i); // validated by the tokenizer
      appendUtf8(out, cp ? *cp : 0xFFFD);
      if (!cp) ++i;
    } else {
      out += s[i++];
    }
  }
  return out;
}

std::string Tokenizer::stringValue(const Token &t) {
  std::string_view s = t.text;
  if (s.size() < 2) return {};
  s = s.substr(1, s.size() - 2);
  if (s.find('\\') == std::string_view::npos) return std::string(s);
  std::string out;
  uint32_t highSurrogate = 0; // a \uD8xx waiting for its low half
  auto flush = [&] {
    if (highSurrogate) appendUtf8(out, highSurrogate);
    highSurrogate = 0;
  };
  auto put = [&](uint32_t cp) {
    if (highSurrogate && cp >= 0xDC00 && cp <= 0xDFFF) {
      appendUtf8(out, 0x10000 + ((highSurrogate - 0xD800) << 10) + (cp - 0xDC00));
      highSurrogate = 0;
      return;
    }
    flush();
    if (cp >= 0xD800 && cp <= 0xDBFF) highSurrogate = cp;
    else appendUtf8(out, cp);
  };
  for (size_t i = 0; i < s.size();) {
    char c = s[i];
    if (c != '\\') {
      flush();
      out += c;
      ++i;
      continue;
    }
    if (i + 1 >= s.size()) break;
    char e = s[i + 1];
    i += 2;
    switch (e) {
    case 'n': put('\n'); break;
    case 't': put('\t'); break;
    case 'r': put('\r'); break;
    case 'b': put('\b'); break;
    case 'f': put('\f'); break;
    case 'v': put('\v'); break;
    case '\r':
      if (i < s.size() && s[i] == '\n') ++i;
      break;
    case '\n': break;
    case 'x':
      if (i + 1 < s.size() && isHex(static_cast<unsigned char>(s[i])) && isHex(static_cast<unsigned char>(s[i + 1]))) {
        put(uint32_t(hexVal(static_cast<unsigned char>(s[i])) * 16 + hexVal(static_cast<unsigned char>(s[i + 1]))));
        i += 2;
      } else {
        put('x');
      }
      break;
    case 'u': {
      size_t j = i - 2;
      if (auto cp = unicodeEscape(s, j)) {
        put(*cp);
        i = j;
      } else {
        put('u');
      }
      break;
    }
    default:
      if (e >= '0' && e <= '7') {
        // \0 and legacy octal escapes (up to three digits, at most 0377).
        uint32_t v = uint32_t(e - '0');
        for (int k = 0; k < 2 && i < s.size() && s[i] >= '0' && s[i] <= '7' && v * 8 + uint32_t(s[i] - '0') <= 0377; ++k)
          v = v * 8 + uint32_t(s[i++] - '0');
        put(v);
      } else if (static_cast<unsigned char>(e) >= 0x80) {
        // An escaped non-ASCII character is itself (its UTF-8 bytes copied); U+2028/9 are
        // line continuations.
        size_t start = i - 1, end = start + 1;
        while (end < s.size() && (static_cast<unsigned char>(s[end]) & 0xC0) == 0x80) ++end;
        std::string_view ch = s.substr(start, end - start);
        if (ch != "\xE2\x80\xA8" && ch != "\xE2\x80\xA9") {
          flush();
          out.append(ch);
        }
        i = end;
      } else {
        put(static_cast<unsigned char>(e));
      }
    }
  }
  flush();
  return out;
}

std::optional<uint64_t> Tokenizer::numberValue(const Token &t) {
  if (t.kind != TokenKind::Number) return std::nullopt;
  std::string s;
  for (char c : t.text)
    if (c != '_') s += c;
  if (!s.empty() && s.back() == 'n') s.pop_back();
  constexpr uint64_t kMax = uint64_t(1) << 53;
  auto integer = [&](size_t from, unsigned radix) -> std::optional<uint64_t> {
    uint64_t v = 0;
    for (size_t i = from; i < s.size(); ++i) {
      unsigned d = unsigned(hexVal(static_cast<unsigned char>(s[i])));
      if (d >= radix) return std::nullopt;
      v = v * radix + d;
      if (v > kMax) return std::nullopt;
    }
    return v;
  };
  if (s.size() > 1 && s[0] == '0') {
    char r = char(s[1] | 0x20);
    if (r == 'x') return integer(2, 16);
    if (r == 'o') return integer(2, 8);
    if (r == 'b') return integer(2, 2);
    if (isDigit(static_cast<unsigned char>(s[1]))) {
      // Legacy octal (017), or decimal when a digit is 8 or 9 (019).
      if (auto o = integer(1, 8)) return o;
      return integer(1, 10);
    }
  }
  if (s.find_first_of(".eE") == std::string::npos) return integer(0, 10);
  double d = std::strtod(s.c_str(), nullptr);
  if (!(d >= 0) || d > double(kMax) || std::floor(d) != d) return std::nullopt;
  return uint64_t(d);
}

// ---------------------------------------------------------------------------------------
// The extractor.

namespace {

constexpr std::array<std::string_view, 6> kBaseNames = {"___memory_base", "___table_base", "___stack_pointer",
                                                        "___heap_base",   "___stack_high", "___stack_low"};
constexpr std::array<std::string_view, 16> kMarkers = {
    "asmLibraryArg",  "wasmImports",         "wasmExports",        "LDSO",       "loadDylibs",       "preloadDylibs",
    "dynamicLibraries", "reportUndefinedSymbols", "GOT",            "GOTHandler", "relocateExports",  "mergeLibSymbols",
    "newDSO",         "loadDynamicLibrary",  "loadWebAssemblyModule", "getDylinkMetadata"};

bool isBaseName(std::string_view n) {
  for (auto b : kBaseNames)
    if (n == b) return true;
  return false;
}
bool isAllCaps(std::string_view n) {
  if (n.empty() || isDigit(static_cast<unsigned char>(n[0]))) return false;
  bool letter = false;
  for (char c : n) {
    if (c >= 'A' && c <= 'Z') letter = true;
    else if (!(c == '_' || isDigit(static_cast<unsigned char>(c)))) return false;
  }
  return letter;
}
// _..dl.._js: the dynamic loader's JS functions (__dlopen_js, __emscripten_dlopen_js, ...).
bool isDlFunction(std::string_view n) {
  if (n.size() < 6 || n[0] != '_' || n.substr(n.size() - 3) != "_js") return false;
  size_t i = n.find_first_not_of('_');
  if (i == std::string_view::npos) return false;
  std::string_view core = n.substr(i);
  if (core.rfind("emscripten_", 0) == 0) core.remove_prefix(11);
  return core.rfind("dl", 0) == 0;
}

// The token stream with a fixed window: the last few tokens behind the current one and
// up to kAhead ahead. Nothing else of the stream is kept.
class Window {
public:
  static constexpr size_t kAhead = 64, kBehind = 4;
  explicit Window(std::string_view js) : tz_(js) { fill(); }
  // The token K ahead of the current one (End past the end or past the window).
  const Token &at(size_t k) {
    while (count_ <= k && !ended_ && count_ < kAhead) fill();
    return k < count_ ? ring_[(head_ + k) % kAhead] : endToken_;
  }
  // The token K behind the current one (End before the start).
  const Token &behind(size_t k) const { return k >= 1 && k <= kBehind && k <= past_ ? back_[(backHead_ + kBehind - k) % kBehind] : none_; }
  void advance() {
    back_[backHead_] = ring_[head_];
    backHead_ = (backHead_ + 1) % kBehind;
    ++past_;
    head_ = (head_ + 1) % kAhead;
    --count_;
    if (count_ == 0) fill();
  }

private:
  void fill() {
    if (ended_ || count_ == kAhead) return;
    Token t = tz_.next();
    if (t.kind == TokenKind::End) {
      ended_ = true;
      endToken_ = t;
      return;
    }
    ring_[(head_ + count_) % kAhead] = t;
    ++count_;
  }

  Tokenizer tz_;
  std::array<Token, kAhead> ring_{};
  size_t head_ = 0, count_ = 0;
  bool ended_ = false;
  Token endToken_{}, none_{};
  std::array<Token, kBehind> back_{};
  size_t backHead_ = 0, past_ = 0;
};

bool closes(const Token &t) { return t.punct(")") || t.punct("]") || t.punct("}"); }
bool opens(const Token &t) { return t.punct("(") || t.punct("[") || t.punct("{"); }
// The end of an expression statement or list item.
bool terminator(const Token &t) {
  if (t.kind == TokenKind::End || t.punct(";") || t.punct(",") || t.punct(")") || t.punct("]") || t.punct("}")) return true;
  // A line break ends the statement where the next token cannot continue the expression.
  if (!t.newlineBefore) return false;
  switch (t.kind) {
  case TokenKind::Identifier:
  case TokenKind::PrivateName:
  case TokenKind::Number:
  case TokenKind::String:
  case TokenKind::Template: return true;
  case TokenKind::Punctuator: return t.text == "{" || t.text == "!" || t.text == "~" || t.text == "++" || t.text == "--";
  default: return false;
  }
}
// The end of an object literal's property value.
bool propertyEnd(const Token &t) { return t.punct(",") || t.punct("}"); }

// A property key token's name (identifiers, strings and numbers), or nullopt.
std::optional<std::string> keyName(const Token &t) {
  switch (t.kind) {
  case TokenKind::Identifier: return Tokenizer::identifierName(t);
  case TokenKind::String: return Tokenizer::stringValue(t);
  case TokenKind::Number: {
    if (auto v = Tokenizer::numberValue(t)) return std::to_string(*v);
    return std::string(t.text);
  }
  default: return std::nullopt;
  }
}

class Extractor {
public:
  // IMPORTNAME: also the import object's name (a minified glue's, found by a first pass).
  explicit Extractor(std::string_view js, std::string importName = "") : w_(js), importName_(std::move(importName)) {}
  GlueFacts run();

private:
  // An object literal being read: the import object or the import modules.
  struct Literal {
    enum Kind { None, Imports, Modules } kind = None;
    uint64_t depth = 0;
    bool expectKey = false;
    size_t index = 0; // into facts_.importObjects / importModules
  };

  void feedLiteral();
  void startLiteral();
  void record(const std::string &key, std::string value, std::optional<GlueImportModules::Ref> ref);
  void detect();
  void detectAssignment();
  void detectExportRead();
  void detectConstructor();
  std::optional<std::string> exportRefAt(size_t &i);

  Window w_;
  std::string importName_;
  GlueFacts facts_;
  // `IDENT.P = "letters"` for a P other than `sig` (a minifier renames the property):
  // P -> IDENT -> letters; the P whose IDENTs are the import object's values is the one.
  std::map<std::string, std::unordered_map<std::string, std::string>> sigCandidates_;
  Literal lit_;
  // Tokens since the last `dlopenInternal` (for dsoNameOffset), or none.
  std::optional<uint64_t> sinceDlopen_;
  // The tokens of each memory's / table's limit (index * 2 + is-maximum), evaluated at the
  // end: the constants they name may come later in the glue.
  std::vector<std::pair<size_t, std::vector<Token>>> memLimitTokens_, tableLimitTokens_;
};

void Extractor::record(const std::string &key, std::string value, std::optional<GlueImportModules::Ref> ref) {
  if (lit_.kind == Literal::Imports) {
    GlueImportObject &o = facts_.importObjects[lit_.index];
    auto [it, fresh] = o.props.insert_or_assign(key, std::move(value));
    if (fresh) o.keys.push_back(key);
    else ++o.duplicates;
  } else if (ref) {
    facts_.importModules[lit_.index].modules[key] = *ref;
  }
}

// At the current token of an open literal: its keys at depth 1, the nesting elsewhere.
void Extractor::feedLiteral() {
  const Token &t = w_.at(0);
  if (lit_.depth == 1 && lit_.expectKey) {
    lit_.expectKey = false;
    if (t.punct("...") || t.punct("[")) {
      if (lit_.kind == Literal::Imports) facts_.importObjects[lit_.index].complete = false;
    } else if (t.punct("*") || ((t.ident("get") || t.ident("set") || t.ident("async")) && !(w_.at(1).punct(":") || w_.at(1).punct("(") ||
                                                                                              w_.at(1).punct(",") || w_.at(1).punct("}")))) {
      lit_.expectKey = true; // a method's modifier: the key follows
      return;
    } else if (auto key = keyName(t)) {
      const Token &p1 = w_.at(1);
      std::string value;
      std::optional<GlueImportModules::Ref> ref;
      if (p1.punct(":")) {
        const Token &v = w_.at(2);
        if (v.kind == TokenKind::Identifier && propertyEnd(w_.at(3))) {
          value = Tokenizer::identifierName(v);
          ref = GlueImportModules::Ref{value, false};
        } else if (v.ident("new") && w_.at(3).ident("Proxy") && w_.at(4).punct("(") && w_.at(5).kind == TokenKind::Identifier &&
                   w_.at(6).punct(",")) {
          ref = GlueImportModules::Ref{Tokenizer::identifierName(w_.at(5)), true};
        } else {
          ref = GlueImportModules::Ref{};
        }
      } else if (t.kind == TokenKind::Identifier && (p1.punct(",") || p1.punct("}"))) {
        value = *key; // shorthand
        ref = GlueImportModules::Ref{value, false};
      }
      record(*key, std::move(value), ref);
    }
  }
  if (opens(t)) {
    ++lit_.depth;
  } else if (closes(t)) {
    if (--lit_.depth == 0) lit_ = Literal{};
  } else if (lit_.depth == 1 && t.punct(",")) {
    lit_.expectKey = true;
  }
}

// At a `{`: the import object (`asmLibraryArg = {`, `wasmImports = {`) or the import
// modules (`{"env": <import object>`) starts here?
void Extractor::startLiteral() {
  const Token &t = w_.at(0);
  if (!t.punct("{")) return;
  const Token &eq = w_.behind(1), &name = w_.behind(2), &before = w_.behind(3);
  if (eq.punct("=") && (name.ident("asmLibraryArg") || name.ident("wasmImports") || (!importName_.empty() && name.ident(importName_))) &&
      !before.punct(".") && !before.punct("?.")) {
    GlueImportObject o;
    o.name = std::string(name.text);
    o.offset = t.begin;
    facts_.importObjects.push_back(std::move(o));
    lit_ = Literal{Literal::Imports, 1, true, facts_.importObjects.size() - 1};
    return;
  }
  const Token &k = w_.at(1), &v = w_.at(3);
  // (Any identifier: a minified glue names the import object as it likes.)
  if ((k.ident("env") || (k.kind == TokenKind::String && k.text.size() == 5 && k.text.substr(1, 3) == "env")) && w_.at(2).punct(":") &&
      v.kind == TokenKind::Identifier && !v.escaped && (w_.at(4).punct(",") || w_.at(4).punct("}"))) {
    GlueImportModules m;
    m.offset = t.begin;
    facts_.importModules.push_back(std::move(m));
    lit_ = Literal{Literal::Modules, 1, true, facts_.importModules.size() - 1};
  }
}

// wasmExports['x'] | wasmExports.x | asm['x'] | asm.x | Module['asm']['x'] | Module.asm['x']
// | Module['asm'].x at I: the export name, I moved past it.
std::optional<std::string> Extractor::exportRefAt(size_t &i) {
  const Token &t = w_.at(i);
  if (t.kind != TokenKind::Identifier || t.escaped) return std::nullopt;
  size_t j = i + 1;
  if (t.text == "Module") {
    if (w_.at(j).punct("[") && w_.at(j + 1).kind == TokenKind::String && Tokenizer::stringValue(w_.at(j + 1)) == "asm" && w_.at(j + 2).punct("]"))
      j += 3;
    else if (w_.at(j).punct(".") && w_.at(j + 1).ident("asm"))
      j += 2;
    else
      return std::nullopt;
  } else if (t.text != "wasmExports" && t.text != "asm") {
    return std::nullopt;
  }
  if (w_.at(j).punct("?.") && w_.at(j + 1).punct("[")) ++j; // wasmExports?.['x']
  if (w_.at(j).punct("[") && w_.at(j + 1).kind == TokenKind::String && w_.at(j + 2).punct("]")) {
    i = j + 3;
    return Tokenizer::stringValue(w_.at(j + 1));
  }
  if ((w_.at(j).punct(".") || w_.at(j).punct("?.")) && w_.at(j + 1).kind == TokenKind::Identifier) {
    i = j + 2;
    return Tokenizer::identifierName(w_.at(j + 1));
  }
  return std::nullopt;
}

// `NAME = ...` at the current token: the base values, module constants, config values.
void Extractor::detectAssignment() {
  const Token &t = w_.at(0);
  if (t.kind != TokenKind::Identifier || !w_.at(1).punct("=")) return;
  const Token &prev = w_.behind(1);
  if (prev.punct(".") || prev.punct("?.")) return;
  const bool declared = prev.ident("var") || prev.ident("let") || prev.ident("const") || prev.punct(",");
  const std::string name = Tokenizer::identifierName(t);
  const bool base = isBaseName(name), caps = isAllCaps(name);
  if (!base && !declared) return;

  size_t i = 2, parens = 0;
  bool viaModule = false;
  while (true) {
    while (w_.at(i).punct("(") && parens < 8) ++i, ++parens;
    const Token &m = w_.at(i);
    // Module['X'] = ... | Module.X = ...
    if (m.ident("Module") && w_.at(i + 1).punct("[") && w_.at(i + 2).kind == TokenKind::String && w_.at(i + 3).punct("]") && w_.at(i + 4).punct("=")) {
      i += 5, viaModule = true;
    } else if (m.ident("Module") && w_.at(i + 1).punct(".") && w_.at(i + 2).kind == TokenKind::Identifier && w_.at(i + 3).punct("=")) {
      i += 4, viaModule = true;
    } else {
      break;
    }
  }
  auto closed = [&](size_t &j) {
    for (size_t k = 0; k < parens; ++k, ++j)
      if (!w_.at(j).punct(")")) return false;
    return terminator(w_.at(j));
  };
  GlueValue v;
  v.offset = t.begin;
  v.declared = declared;
  const Token &e = w_.at(i);
  size_t j = i;
  if (e.kind == TokenKind::Number) {
    ++j;
    if (caps && declared && !viaModule && terminator(w_.at(j))) {
      if (auto n = Tokenizer::numberValue(e)) facts_.configValues[name] = *n;
    }
    if (!closed(j)) return;
    v.form = viaModule ? GlueValue::Form::ModuleConst : GlueValue::Form::Literal;
    v.value = Tokenizer::numberValue(e);
    if (viaModule && declared && v.value) facts_.moduleConstants[name] = *v.value;
  } else if (e.ident("Module") && caps && declared && parens == 0 && !viaModule) {
    // var INITIAL_MEMORY = Module["INITIAL_MEMORY"] || N
    if (w_.at(j + 1).punct("[") && w_.at(j + 2).kind == TokenKind::String && w_.at(j + 3).punct("]") && w_.at(j + 4).punct("||") &&
        w_.at(j + 5).kind == TokenKind::Number && terminator(w_.at(j + 6)))
      if (auto n = Tokenizer::numberValue(w_.at(j + 5))) facts_.configValues[name] = *n;
    return;
  } else if (e.ident("new") && w_.at(j + 1).ident("WebAssembly") && w_.at(j + 2).punct(".") && w_.at(j + 3).ident("Global") &&
             w_.at(j + 4).punct("(") && w_.at(j + 5).punct("{")) {
    if (!base) return;
    j += 6;
    v.form = GlueValue::Form::WasmGlobal;
    while (!w_.at(j).punct("}")) {
      auto key = keyName(w_.at(j));
      if (!key || !w_.at(j + 1).punct(":")) return;
      const Token &val = w_.at(j + 2);
      j += 3;
      if (*key == "value" && val.kind == TokenKind::String) {
        v.type = Tokenizer::stringValue(val);
      } else if (*key == "mutable") {
        if (val.ident("true")) v.isMutable = true;
        else if (val.ident("false")) v.isMutable = false;
        else if (val.punct("!") && w_.at(j).kind == TokenKind::Number) v.isMutable = Tokenizer::numberValue(w_.at(j++)) == uint64_t(0);
        else if (val.kind == TokenKind::Number) v.isMutable = Tokenizer::numberValue(val) != uint64_t(0);
        else return;
      } else if (val.kind != TokenKind::String && val.kind != TokenKind::Number && val.kind != TokenKind::Identifier) {
        return;
      }
      if (w_.at(j).punct(",")) ++j;
      else if (!w_.at(j).punct("}")) return;
      if (j > Window::kAhead - 8) return;
    }
    ++j;
    if (!w_.at(j).punct(",")) return;
    const Token &n = w_.at(j + 1);
    if (n.kind != TokenKind::Number || !w_.at(j + 2).punct(")")) return;
    v.value = Tokenizer::numberValue(n);
    j += 3;
    if (!closed(j)) return;
  } else if (auto x = exportRefAt(j)) {
    if (!closed(j)) return;
    v.form = GlueValue::Form::Export;
    v.exportName = *x;
  } else {
    return;
  }
  if (base) facts_.bases[name].push_back(std::move(v));
}

void Extractor::detectExportRead() {
  const Token &prev = w_.behind(1);
  if (prev.punct(".") || prev.punct("?.")) return;
  size_t i = 0;
  if (auto x = exportRefAt(i)) {
    // Not a read when it is assigned: `wasmExports.x = ...`.
    if (!w_.at(i).punct("=")) facts_.exportsRead.insert(*x);
  }
}

// new WebAssembly.Memory({...}) / new WebAssembly.Table({...}) at the current token.
void Extractor::detectConstructor() {
  const Token &t = w_.at(0);
  if (!t.ident("new") || !w_.at(1).ident("WebAssembly") || !w_.at(2).punct(".")) return;
  const bool memory = w_.at(3).ident("Memory"), table = w_.at(3).ident("Table");
  if (!(memory || table) || !w_.at(4).punct("(")) return;
  GlueMemory mem;
  GlueTable tab;
  mem.offset = tab.offset = t.begin;
  auto finish = [&](bool complete) {
    mem.complete = tab.complete = complete;
    if (memory) facts_.memories.push_back(std::move(mem));
    else facts_.tables.push_back(std::move(tab));
  };
  size_t i = 5;
  if (!w_.at(i).punct("{")) return finish(false);
  ++i;
  std::vector<std::pair<std::string, std::vector<Token>>> props;
  while (!w_.at(i).punct("}")) {
    auto key = keyName(w_.at(i));
    if (!key || !w_.at(i + 1).punct(":")) return finish(false);
    i += 2;
    std::vector<Token> toks;
    while (!w_.at(i).punct(",") && !w_.at(i).punct("}")) {
      const Token &x = w_.at(i);
      if (x.kind == TokenKind::End || opens(x) || closes(x) || toks.size() > 8) return finish(false);
      toks.push_back(x);
      ++i;
    }
    props.emplace_back(*key, std::move(toks));
    if (w_.at(i).punct(",")) ++i;
    if (i > Window::kAhead - 12) return finish(false);
  }
  for (auto &[key, toks] : props) {
    GlueLimit l;
    for (auto &x : toks) l.expr += x.text;
    if (key == "initial" || key == "maximum") {
      auto &slot = memory ? (key == "initial" ? mem.initial : mem.maximum) : (key == "initial" ? tab.initial : tab.maximum);
      slot = std::move(l);
      (memory ? memLimitTokens_ : tableLimitTokens_)
          .emplace_back(memory ? facts_.memories.size() * 2 + (key == "maximum") : facts_.tables.size() * 2 + (key == "maximum"), toks);
    } else if (key == "shared" && memory) {
      mem.shared = (toks.size() == 1 && toks[0].ident("true")) || (toks.size() == 2 && toks[0].punct("!") && toks[1].is(TokenKind::Number, "0"));
    } else if (key == "element" && table && toks.size() == 1 && toks[0].kind == TokenKind::String) {
      tab.element = Tokenizer::stringValue(toks[0]);
    }
  }
  finish(true);
}

void Extractor::detect() {
  const Token &t = w_.at(0);
  if (t.kind != TokenKind::Identifier) return;
  if (!t.escaped) {
    for (auto m : kMarkers)
      if (t.text[0] == m[0] && t.text == m) {
        ++facts_.markers[std::string(m)];
        break;
      }
  }
  const Token &prev = w_.behind(1);
  const bool member = prev.punct(".") || prev.punct("?.");
  // IDENT.sig = "letters"
  if (!member && w_.at(1).punct(".") && w_.at(2).kind == TokenKind::Identifier && w_.at(3).punct("=") && w_.at(4).kind == TokenKind::String &&
      terminator(w_.at(5)) && !w_.at(5).punct(")")) {
    if (w_.at(2).ident("sig")) {
      facts_.sigs[Tokenizer::identifierName(t)] = Tokenizer::stringValue(w_.at(4));
    } else if (w_.at(2).text.size() <= 3) {
      std::string v = Tokenizer::stringValue(w_.at(4));
      if (!v.empty() && v.size() <= 64 && v.find_first_not_of("vijfdpe") == std::string::npos)
        sigCandidates_[Tokenizer::identifierName(w_.at(2))][Tokenizer::identifierName(t)] = std::move(v);
    }
  }
  // function __dlopen_js / var __dlsym_js =
  if (t.ident("function") && w_.at(1).kind == TokenKind::Identifier) {
    std::string n = Tokenizer::identifierName(w_.at(1));
    if (isDlFunction(n)) facts_.dlFunctions.insert(n);
  } else if (!member && (prev.ident("var") || prev.ident("let") || prev.ident("const") || prev.punct(",")) && w_.at(1).punct("=")) {
    std::string n = Tokenizer::identifierName(t);
    if (isDlFunction(n)) facts_.dlFunctions.insert(n);
  }
  // dlopenInternal ... UTF8ToString(handle + N): struct dso's name offset.
  if (t.ident("dlopenInternal")) sinceDlopen_ = 0;
  if (!facts_.dsoNameOffset && sinceDlopen_ && *sinceDlopen_ + 5 <= 40 && t.ident("UTF8ToString") && w_.at(1).punct("(") &&
      w_.at(2).kind == TokenKind::Identifier && w_.at(3).punct("+") && w_.at(4).kind == TokenKind::Number && w_.at(5).punct(")"))
    facts_.dsoNameOffset = Tokenizer::numberValue(w_.at(4));
  detectAssignment();
  detectExportRead();
  detectConstructor();
}

GlueFacts Extractor::run() {
  while (w_.at(0).kind != TokenKind::End) {
    ++facts_.tokens;
    if (lit_.kind != Literal::None) feedLiteral();
    else startLiteral();
    detect();
    if (sinceDlopen_) ++*sinceDlopen_;
    w_.advance();
  }
  if (lit_.kind == Literal::Imports) {
    const GlueImportObject &o = facts_.importObjects[lit_.index];
    throw Error("the import object " + o.name + " is not closed", o.offset);
  }
  // The limits' values, from literals and the constants found anywhere in the glue.
  auto operand = [&](const Token &x) -> std::optional<uint64_t> {
    if (x.kind == TokenKind::Number) return Tokenizer::numberValue(x);
    if (x.kind == TokenKind::Identifier) {
      auto c = facts_.configValues.find(Tokenizer::identifierName(x));
      if (c != facts_.configValues.end()) return c->second;
    }
    return std::nullopt;
  };
  auto evaluate = [&](const std::vector<Token> &toks) -> std::optional<uint64_t> {
    if (toks.size() == 1) return operand(toks[0]);
    if (toks.size() == 3 && (toks[1].punct("/") || toks[1].punct("*"))) {
      auto a = operand(toks[0]), b = operand(toks[2]);
      if (!a || !b) return std::nullopt;
      if (toks[1].punct("*")) {
        if (*b != 0 && *a > (uint64_t(1) << 53) / *b) return std::nullopt;
        return *a * *b;
      }
      if (*b == 0 || *a % *b != 0) return std::nullopt;
      return *a / *b;
    }
    return std::nullopt;
  };
  for (auto &[slot, toks] : memLimitTokens_) {
    GlueMemory &m = facts_.memories[slot / 2];
    (slot % 2 ? m.maximum : m.initial)->value = evaluate(toks);
  }
  for (auto &[slot, toks] : tableLimitTokens_) {
    GlueTable &tb = facts_.tables[slot / 2];
    (slot % 2 ? tb.maximum : tb.initial)->value = evaluate(toks);
  }
  // A minified glue's `.sig`: the renamed property most of the import object's functions
  // have (at least half of those that have one of the candidates).
  if (facts_.sigs.empty() && facts_.importObject() && !sigCandidates_.empty()) {
    std::unordered_set<std::string> values;
    for (auto &[k, v] : facts_.importObject()->props)
      if (!v.empty()) values.insert(v);
    const std::unordered_map<std::string, std::string> *best = nullptr;
    size_t bestHits = 0;
    for (auto &[prop, m] : sigCandidates_) {
      size_t hits = 0;
      for (auto &[ident, sig] : m) hits += values.count(ident);
      if (hits > bestHits && hits * 2 >= m.size()) best = &m, bestHits = hits;
    }
    if (best) facts_.sigs = *best;
  }
  return std::move(facts_);
}

} // namespace

const GlueValue *GlueFacts::base(const std::string &name) const {
  auto it = bases.find(name);
  if (it == bases.end() || it->second.empty()) return nullptr;
  for (auto &v : it->second)
    if (v.declared) return &v;
  return &it->second.front();
}

GlueFacts readGlue(std::string_view js) {
  GlueFacts f = Extractor(js).run();
  if (!f.importObjects.empty()) return f;
  // A minified glue (closure, emcc -O2 and up) renames wasmImports: the import modules'
  // literal says which identifier it is (`{env: L, wasi_snapshot_preview1: L, "GOT.mem": ...}`),
  // and a second pass reads the literal assigned to it.
  for (auto &m : f.importModules) {
    auto env = m.modules.find("env");
    if (env == m.modules.end() || env->second.object.empty() || env->second.viaProxy) continue;
    if (!m.modules.count("GOT.mem") && !m.modules.count("wasi_snapshot_preview1")) continue;
    GlueFacts again = Extractor(js, env->second.object).run();
    if (!again.importObjects.empty()) return again;
  }
  return f;
}

} // namespace wasmobj::glue
