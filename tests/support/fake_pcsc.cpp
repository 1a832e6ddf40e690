// SPDX-License-Identifier: Apache-2.0
#include "support/fake_pcsc.hpp"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <string_view>

namespace saferchat::fake {
namespace {

constexpr std::string_view fake_pnp_reader = R"(\\?PnP?\Notification)";

// SCARD_E_* are DWORDs in pcsc-lite's headers and HRESULTs (signed) in mingw-w64's.
template <typename Code>
LONG fake_code(Code code) {
  return static_cast<LONG>(code);
}

}  // namespace

void FakePcsc::changed() { world_changed_.notify_all(); }

void FakePcsc::plug_reader(const std::string& name) {
  const std::lock_guard lock(mutex_);
  if (!running_) {
    running_ = true;  // Windows starts the service with a reader: a new run
    ++service_run_;
  }
  readers_.push_back({name, std::nullopt, 0, 0});
  changed();
}

void FakePcsc::unplug_reader(const std::string& name) {
  const std::lock_guard lock(mutex_);
  std::erase_if(readers_, [&](const Reader& r) { return r.name == name; });
  if (platform_ == FakePlatform::windows && readers_.empty()) {
    running_ = false;  // the service stops with the last reader
  }
  changed();
}

void FakePcsc::insert_card(const std::string& reader, FakeCard card) {
  const std::lock_guard lock(mutex_);
  for (Reader& r : readers_) {
    if (r.name == reader) {
      r.card = std::move(card);
      r.insertion = ++insertions_;
      ++r.events;
    }
  }
  changed();
}

void FakePcsc::remove_card(const std::string& reader) {
  const std::lock_guard lock(mutex_);
  for (Reader& r : readers_) {
    if (r.name == reader && r.card) {
      r.card.reset();
      r.insertion = 0;
      ++r.events;
    }
  }
  changed();
}

int FakePcsc::contexts_established() const {
  const std::lock_guard lock(mutex_);
  return established_;
}

bool FakePcsc::service_running() const {
  const std::lock_guard lock(mutex_);
  return running_;
}

int FakePcsc::pnp_waits() const {
  const std::lock_guard lock(mutex_);
  return pnp_waits_;
}

int FakePcsc::waiting() const {
  const std::lock_guard lock(mutex_);
  return waiting_;
}

void FakePcsc::wait_until_waiting(int count) const {
  std::unique_lock lock(mutex_);
  world_changed_.wait(lock, [&] { return waiting_ >= count; });
}

const FakePcsc::Reader* FakePcsc::find_reader(const std::string& name) const {
  const auto it = std::find_if(readers_.begin(), readers_.end(),
                               [&](const Reader& r) { return r.name == name; });
  return it == readers_.end() ? nullptr : &*it;
}

LONG FakePcsc::check_context(SCARDCONTEXT context) const {
  const auto it = contexts_.find(context);
  if (it == contexts_.end()) {
    return fake_code(SCARD_E_INVALID_HANDLE);
  }
  if (platform_ == FakePlatform::windows && (!running_ || it->second.service_run != service_run_)) {
    return fake_code(SCARD_E_SERVICE_STOPPED);
  }
  return SCARD_S_SUCCESS;
}

LONG FakePcsc::check_card(SCARDHANDLE card, const Reader** reader) const {
  const auto it = connections_.find(card);
  if (it == connections_.end()) {
    return fake_code(SCARD_E_INVALID_HANDLE);
  }
  const Reader* r = find_reader(it->second.reader);
  if (r == nullptr) {
    return fake_code(SCARD_E_READER_UNAVAILABLE);
  }
  if (r->insertion != it->second.insertion) {
    return fake_code(SCARD_W_REMOVED_CARD);  // its card left (another may be in now)
  }
  *reader = r;
  return SCARD_S_SUCCESS;
}

DWORD FakePcsc::event_state(const Reader& reader) const {
  DWORD state = reader.card ? SCARD_STATE_PRESENT : SCARD_STATE_EMPTY;
  if (platform_ != FakePlatform::macos) {
    state |= static_cast<DWORD>(reader.events) << 16U;
  }
  return state;
}

LONG FakePcsc::establish_context(DWORD /*scope*/, SCARDCONTEXT* context) const {
  const std::lock_guard lock(mutex_);
  if (!running_) {
    return fake_code(SCARD_E_NO_SERVICE);  // Windows, no reader: the service is not running
  }
  *context = static_cast<SCARDCONTEXT>(next_handle_++);
  contexts_[*context] = Context{service_run_, 0};
  ++established_;
  return SCARD_S_SUCCESS;
}

LONG FakePcsc::release_context(SCARDCONTEXT context) const {
  const std::lock_guard lock(mutex_);
  return contexts_.erase(context) == 1 ? SCARD_S_SUCCESS : fake_code(SCARD_E_INVALID_HANDLE);
}

LONG FakePcsc::is_valid_context(SCARDCONTEXT context) const {
  const std::lock_guard lock(mutex_);
  return check_context(context);
}

LONG FakePcsc::list_readers(SCARDCONTEXT context, char* names, DWORD* length) const {
  const std::lock_guard lock(mutex_);
  if (const LONG result = check_context(context); result != SCARD_S_SUCCESS) {
    // What Windows' SCardListReaders answers on a context whose service stopped.
    return result == fake_code(SCARD_E_SERVICE_STOPPED) ? fake_code(SCARD_E_NO_SERVICE) : result;
  }
  if (readers_.empty()) {
    return fake_code(SCARD_E_NO_READERS_AVAILABLE);
  }
  std::string multi;
  for (const Reader& r : readers_) {
    multi += r.name;
    multi += '\0';
  }
  multi += '\0';
  if (names == nullptr) {
    *length = static_cast<DWORD>(multi.size());
    return SCARD_S_SUCCESS;
  }
  if (*length < multi.size()) {
    *length = static_cast<DWORD>(multi.size());
    return fake_code(SCARD_E_INSUFFICIENT_BUFFER);
  }
  std::memcpy(names, multi.data(), multi.size());
  *length = static_cast<DWORD>(multi.size());
  return SCARD_S_SUCCESS;
}

LONG FakePcsc::get_status_change(SCARDCONTEXT context, DWORD timeout_ms, SCARD_READERSTATE* states,
                                 DWORD count) const {
  std::unique_lock lock(mutex_);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  const auto context_entry = contexts_.find(context);
  const std::uint64_t cancels =
      context_entry == contexts_.end() ? 0 : context_entry->second.cancels;
  const std::span<SCARD_READERSTATE> all(states, count);
  bool counted_pnp = false;
  for (bool waited = false;; waited = true) {
    if (const LONG result = check_context(context); result != SCARD_S_SUCCESS) {
      return result;
    }
    if (contexts_.at(context).cancels != cancels) {
      return fake_code(SCARD_E_CANCELLED);
    }
    bool any = false;
    for (SCARD_READERSTATE& state : all) {
      const std::string name = state.szReader;
      const DWORD current = state.dwCurrentState & ~static_cast<DWORD>(SCARD_STATE_CHANGED);
      DWORD event = 0;
      if (name == fake_pnp_reader) {
        if (platform_ == FakePlatform::macos) {
          return fake_code(SCARD_E_UNKNOWN_READER);
        }
        if (!counted_pnp) {
          ++pnp_waits_;
          counted_pnp = true;
        }
        event = static_cast<DWORD>(readers_.size()) << 16U;
        state.cbAtr = 0;
      } else {
        const Reader* reader = find_reader(name);
        if (reader == nullptr) {
          state.dwEventState = SCARD_STATE_UNKNOWN | SCARD_STATE_CHANGED;
          return fake_code(SCARD_E_UNKNOWN_READER);
        }
        event = event_state(*reader);
        const std::vector<std::uint8_t> atr =
            reader->card ? reader->card->atr : std::vector<std::uint8_t>{};
        std::copy(atr.begin(), atr.end(), state.rgbAtr);
        state.cbAtr = static_cast<DWORD>(atr.size());
      }
      if (event != current) {
        event |= SCARD_STATE_CHANGED;
        any = true;
      }
      state.dwEventState = event;
    }
    if (any) {
      return SCARD_S_SUCCESS;
    }
    if (std::chrono::steady_clock::now() >= deadline || (waited && timeout_ms == 0)) {
      return fake_code(SCARD_E_TIMEOUT);
    }
    ++waiting_;
    world_changed_.notify_all();
    world_changed_.wait_until(lock, deadline);
    --waiting_;
  }
}

LONG FakePcsc::cancel(SCARDCONTEXT context) const {
  const std::lock_guard lock(mutex_);
  const auto it = contexts_.find(context);
  if (it == contexts_.end()) {
    return fake_code(SCARD_E_INVALID_HANDLE);
  }
  ++it->second.cancels;
  world_changed_.notify_all();
  return SCARD_S_SUCCESS;
}

LONG FakePcsc::connect(SCARDCONTEXT context, const char* reader, DWORD /*share_mode*/,
                       DWORD /*protocols*/, SCARDHANDLE* card, DWORD* protocol) const {
  const std::lock_guard lock(mutex_);
  if (const LONG result = check_context(context); result != SCARD_S_SUCCESS) {
    return result;
  }
  const Reader* r = find_reader(reader);
  if (r == nullptr) {
    return fake_code(SCARD_E_UNKNOWN_READER);
  }
  if (!r->card) {
    return fake_code(SCARD_E_NO_SMARTCARD);
  }
  *card = static_cast<SCARDHANDLE>(next_handle_++);
  connections_[*card] = Connection{r->name, r->insertion};
  *protocol = SCARD_PROTOCOL_T0;
  return SCARD_S_SUCCESS;
}

LONG FakePcsc::reconnect(SCARDHANDLE card, DWORD /*share_mode*/, DWORD /*protocols*/,
                         DWORD /*initialization*/, DWORD* protocol) const {
  const std::lock_guard lock(mutex_);
  const Reader* reader = nullptr;
  const LONG result = check_card(card, &reader);
  if (result == SCARD_S_SUCCESS) {
    *protocol = SCARD_PROTOCOL_T0;
  }
  return result;
}

LONG FakePcsc::disconnect(SCARDHANDLE card, DWORD /*disposition*/) const {
  const std::lock_guard lock(mutex_);
  return connections_.erase(card) == 1 ? SCARD_S_SUCCESS : fake_code(SCARD_E_INVALID_HANDLE);
}

LONG FakePcsc::begin_transaction(SCARDHANDLE card) const {
  const std::lock_guard lock(mutex_);
  const Reader* reader = nullptr;
  return check_card(card, &reader);
}

LONG FakePcsc::end_transaction(SCARDHANDLE card, DWORD /*disposition*/) const {
  const std::lock_guard lock(mutex_);
  const Reader* reader = nullptr;
  return check_card(card, &reader);
}

LONG FakePcsc::status(SCARDHANDLE card, char* /*reader_names*/, DWORD* names_length, DWORD* state,
                      DWORD* protocol, BYTE* atr, DWORD* atr_length) const {
  const std::lock_guard lock(mutex_);
  const Reader* reader = nullptr;
  if (const LONG result = check_card(card, &reader); result != SCARD_S_SUCCESS) {
    return result;
  }
  const std::vector<std::uint8_t>& bytes = reader->card->atr;
  if (*atr_length < bytes.size()) {
    return fake_code(SCARD_E_INSUFFICIENT_BUFFER);
  }
  std::copy(bytes.begin(), bytes.end(), atr);
  *atr_length = static_cast<DWORD>(bytes.size());
  *names_length = 0;
  *state = SCARD_SPECIFIC;
  *protocol = SCARD_PROTOCOL_T0;
  return SCARD_S_SUCCESS;
}

LONG FakePcsc::transmit(SCARDHANDLE card, const SCARD_IO_REQUEST* /*send_pci*/, const BYTE* command,
                        DWORD command_length, BYTE* response, DWORD* response_length) const {
  std::function<std::vector<std::uint8_t>(std::span<const std::uint8_t>)> answer;
  {
    const std::lock_guard lock(mutex_);
    const Reader* reader = nullptr;
    if (const LONG result = check_card(card, &reader); result != SCARD_S_SUCCESS) {
      return result;
    }
    answer = reader->card->answer;
  }
  const std::vector<std::uint8_t> bytes = answer(std::span(command, command_length));
  if (*response_length < bytes.size()) {
    return fake_code(SCARD_E_INSUFFICIENT_BUFFER);
  }
  std::copy(bytes.begin(), bytes.end(), response);
  *response_length = static_cast<DWORD>(bytes.size());
  return SCARD_S_SUCCESS;
}

LONG FakePcsc::control(SCARDHANDLE card, DWORD /*code*/, const void* /*input*/,
                       DWORD /*input_length*/, void* /*output*/, DWORD /*output_size*/,
                       DWORD* output_length) const {
  const std::lock_guard lock(mutex_);
  const Reader* reader = nullptr;
  if (const LONG result = check_card(card, &reader); result != SCARD_S_SUCCESS) {
    return result;
  }
  *output_length = 0;  // a reader without features (no PIN pad)
  return SCARD_S_SUCCESS;
}

std::vector<std::uint8_t> fake_certificate(std::uint8_t serial_byte) {
  return {0x30, 0x03, 0x02, 0x01, serial_byte};
}

FakeCard belpic_like_card(std::vector<std::uint8_t> atr, std::uint8_t serial_byte) {
  FakeCard card;
  card.atr = std::move(atr);
  card.answer = [serial_byte](std::span<const std::uint8_t> apdu) -> std::vector<std::uint8_t> {
    if (apdu.size() >= 2 && apdu[1] == 0xA4) {
      return {0x90, 0x00};  // SELECT
    }
    if (apdu.size() >= 2 && apdu[0] == 0x80 && apdu[1] == 0xE4) {
      // GET CARD DATA (applet 1.8 §6.14): serial (16), …, byte 21 applet version, byte 27
      // life cycle, byte 28 PIN tries (long form).
      std::vector<std::uint8_t> data(0x1F, 0x00);
      std::fill_n(data.begin(), 16, serial_byte);
      data[21] = 0x18;
      data[27] = 0x0F;
      data[28] = 3;
      data.push_back(0x90);
      data.push_back(0x00);
      return data;
    }
    if (apdu.size() >= 5 && apdu[1] == 0xB0) {
      // READ BINARY: P1-P2 the offset, P3 the length (00: 256).
      const std::vector<std::uint8_t> file = fake_certificate(serial_byte);
      const std::size_t offset = (std::size_t{apdu[2]} << 8U) | apdu[3];
      if (offset >= file.size()) {
        return {0x6B, 0x00};
      }
      const std::size_t want = apdu[4] == 0 ? 256 : apdu[4];
      std::vector<std::uint8_t> data(
          file.begin() + static_cast<std::ptrdiff_t>(offset),
          file.begin() + static_cast<std::ptrdiff_t>(std::min(file.size(), offset + want)));
      data.push_back(0x90);
      data.push_back(0x00);
      return data;
    }
    return {0x6D, 0x00};
  };
  return card;
}

}  // namespace saferchat::fake
