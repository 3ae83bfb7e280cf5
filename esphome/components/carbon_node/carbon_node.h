// Carbon Tracker node: the arithmetic that turns one meter's cumulative readings into kg CO2e on
// the ESP32 itself, plus the IR-keypad buffer that composes an emission factor.
//
// How it gets into the firmware: this folder is a local ESPHome component (`carbon_node:`, loaded
// through `external_components` in packages/node-core.yaml). ESPHome copies the header into the
// build and includes it from its own main header, which the generated main.cpp includes first,
// before the globals of type carbon_node::Accumulator, SavedState and FactorKeypad. (Not through
// ESPHome's `includes:` option: those come at the end of main.cpp, after the globals, and the
// build stops.)
//
// Why a plain header: the lambdas call it, but nothing in here knows about ESPHome. The interface
// uses only standard C++17 types, so the same file is compiled and tested on the host with g++
// (tests/firmware/test_carbon_node.cpp). Keep it that way: no ESPHome includes, no logging, no
// Arduino types.
//
// The accumulator follows the same rules as the integration's Python accumulator
// (custom_components/carbon_tracker/accumulator.py), so a node and an HA-side tracker on the same
// meter agree:
//
// * The first reading only sets the baseline.
// * A reading below 90 % of the baseline is a meter reset: the new reading counts from zero.
// * A smaller dip is jitter: nothing is counted and the baseline stays at the high-water mark, so
//   the recovery is not counted a second time.
// * While the factor is unknown (NaN) readings are held: the baseline does not move, so the
//   consumption is priced once, at the next factor that is known.
// * The total is a Neumaier-compensated sum.
//
// Differences from the Python side, on purpose: there is no plausibility limit (no one on the
// device to accept or discard a held spike) and no last_reset (a meter on the device has none).
// Added on the device: a reading that is NaN, infinite or negative is not a cumulative value at all
// (a failed Modbus read, a garbled frame) and changes nothing.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <type_traits>

namespace carbon_node {

// What one reading did to the accumulator (the YAML uses it to decide what to publish and save).
enum class Outcome : uint8_t { Baseline, Counted, Reset, Jitter, NoFactor, Invalid };

// Same threshold as HA's long-term statistics and accumulator.py's RESET_RATIO: a reading below
// 90 % of the baseline is a reset; exactly 90 % is not.
constexpr double kResetRatio = 0.9;

class Accumulator {
 public:
  // Restore after a reboot from values kept in flash. has_baseline false = fresh start.
  //
  // Flash can hold garbage (a first boot with an unexpected layout, a torn write): a total that is
  // not a finite, non-negative number would poison every later sum (NaN + x = NaN) or make a
  // total_increasing sensor go backwards, so it restarts at 0; a baseline that is not finite and
  // non-negative cannot be compared with, so the node starts with no baseline instead.
  void restore(double total_kg, double baseline, bool has_baseline) {
    total_ = (std::isfinite(total_kg) && total_kg >= 0.0) ? total_kg : 0.0;
    // The compensation of the previous run is not kept: total() already folded it in, so at most
    // half an ulp of the total is lost per reboot.
    compensation_ = 0.0;
    has_baseline_ = has_baseline && std::isfinite(baseline) && baseline >= 0.0;
    baseline_ = has_baseline_ ? baseline : 0.0;
  }

  // One meter reading in the factor's unit; factor in kg CO2e per unit; NaN factor = unknown.
  Outcome reading(double value, double factor) {
    // Not a cumulative value: comes before everything, so it cannot even become the baseline.
    if (!std::isfinite(value) || value < 0.0) {
      return Outcome::Invalid;
    }
    // The first reading only sets the baseline, whether or not the factor is known (as in Python):
    // the consumption before it was never seen, so there is nothing to price.
    if (!has_baseline_) {
      set_baseline_(value);
      return Outcome::Baseline;
    }
    // Unknown factor: hold the reading, keep the baseline, so the consumption is priced later.
    // An infinite or negative factor is treated as unknown too: counting with it would make the
    // total infinite or make it decrease.
    if (!std::isfinite(factor) || factor < 0.0) {
      return Outcome::NoFactor;
    }
    const bool reset = value < kResetRatio * baseline_;
    double delta;
    if (reset) {
      // The meter restarted from zero (or was replaced by one near zero): all of it is new.
      delta = value;
    } else if (value < baseline_) {
      // A dip of less than 10 %: noise, or a meter read a moment ago rounded differently. The
      // baseline stays at the high-water mark so the climb back is not counted twice.
      return Outcome::Jitter;
    } else {
      delta = value - baseline_;
    }
    add_(delta * factor);
    set_baseline_(value);
    return reset ? Outcome::Reset : Outcome::Counted;
  }

  // kg CO2e, compensated.
  double total() const { return total_ + compensation_; }

  bool has_baseline() const { return has_baseline_; }

  // Meaningful only when has_baseline(); 0 otherwise, so it can be saved to flash as is.
  double baseline() const { return baseline_; }

  // Forget the baseline (meter replaced); total stays. The next valid reading is a new baseline,
  // however it compares with the old meter.
  void rebase() {
    has_baseline_ = false;
    baseline_ = 0.0;
  }

 private:
  void set_baseline_(double value) {
    baseline_ = value;
    has_baseline_ = true;
  }

  // Neumaier's variant of Kahan summation: the rounding error of each addition is collected in
  // compensation_, so millions of tiny deltas on a large total are not rounded away one by one.
  // Requires strict IEEE double arithmetic (no -ffast-math), which ESP-IDF and g++ use by default.
  void add_(double kilograms) {
    const double sum = total_ + kilograms;
    if (std::fabs(total_) >= std::fabs(kilograms)) {
      compensation_ += (total_ - sum) + kilograms;
    } else {
      compensation_ += (kilograms - sum) + total_;
    }
    total_ = sum;
  }

  double total_{0.0};
  double compensation_{0.0};
  double baseline_{0.0};
  bool has_baseline_{false};
};

// What a node keeps in flash, as ONE value: ESPHome writes each restoring global on its own, so
// separate globals for total and baseline could be flushed apart by a power cut (a new total with
// an old baseline counts the last step twice). One trivially copyable struct is saved whole.
struct SavedState {
  double total_kg;
  double baseline;
  bool has_baseline;
};
static_assert(std::is_trivially_copyable<SavedState>::value, "flash stores it byte for byte");

inline SavedState save(const Accumulator &accumulator) {
  return SavedState{accumulator.total(), accumulator.baseline(), accumulator.has_baseline()};
}

// Restore from flash. A meter whose counter restarts at zero on every boot (pulses counted in RAM)
// restarts from a zero baseline, so the first reading after boot counts in full: the 90 % rule would
// miss the restart when the saved baseline was small (a few pulses after a previous reboot).
inline void restore(Accumulator &accumulator, const SavedState &saved, bool counter_restarts_at_boot) {
  if (counter_restarts_at_boot) {
    accumulator.restore(saved.total_kg, 0.0, true);
  } else {
    accumulator.restore(saved.total_kg, saved.baseline, saved.has_baseline);
  }
}

// IR-remote keypad that composes a factor: digits and one decimal point, OK confirms, cancel clears.
//
// The buffer is kept as text and parsed only on OK, so what the user typed is exactly what is
// parsed (no binary rounding on each key press), and a half-typed factor never goes into force.
class FactorKeypad {
 public:
  // Enough for any factor a user types (e.g. "0.12345678"); also bounds memory and the value.
  static constexpr std::size_t kMaxLength = 10;

  // 0..9; ignored when buffer is full or d > 9.
  void digit(uint8_t d) {
    if (d > 9 || buffer_.size() >= kMaxLength) {
      return;
    }
    buffer_.push_back(static_cast<char>('0' + d));
  }

  // Ignored if the buffer already has a point or is full.
  void point() {
    if (buffer_.size() >= kMaxLength || buffer_.find('.') != std::string::npos) {
      return;
    }
    buffer_.push_back('.');
  }

  // Clears the buffer.
  void cancel() { buffer_.clear(); }

  // OK: parse the buffer; on success (a finite value, 0 <= value <= max_factor, at least one
  // digit) writes it to *out, clears the buffer and returns true; otherwise clears the buffer and
  // returns false (and leaves *out alone). Either way the next key press starts a new factor.
  bool confirm(double *out, double max_factor = 1000000.0) {
    const std::string text = buffer_;
    buffer_.clear();
    // "" and "." are not numbers; strtod would return 0 for them, which must not become a factor.
    if (out == nullptr || text.find_first_of("0123456789") == std::string::npos) {
      return false;
    }
    // The buffer only ever holds digits and at most one '.', so strtod (C locale, '.' as the
    // decimal separator) reads all of it: ".5" is 0.5 and "5." is 5. Still check it used every
    // character, so a surprise can only refuse a factor, never half-read one.
    char *end = nullptr;
    const double value = std::strtod(text.c_str(), &end);
    if (end != text.c_str() + text.size()) {
      return false;
    }
    // Written so that a NaN value or a NaN max_factor fails every comparison and is refused.
    if (!std::isfinite(value) || !(value >= 0.0) || !(value <= max_factor)) {
      return false;
    }
    *out = value;
    return true;
  }

  const std::string &buffer() const { return buffer_; }

 private:
  std::string buffer_;
};

}  // namespace carbon_node
