// Host tests of esphome/components/carbon_node/carbon_node.h, the arithmetic of a Carbon Tracker
// node.
//
// A standalone program with no test framework, so it builds with nothing but g++:
//   g++ -std=c++17 -O2 -Wall -Wextra -Werror -I esphome/components/carbon_node
//       tests/firmware/test_carbon_node.cpp
// tests/firmware/test_firmware_host.py compiles and runs it under pytest. Every CHECK is counted; a
// failed one prints file:line (and the random sequence it happened in). The last line of the output
// is "N passed, M failed" and the exit status is non-zero when anything failed.
//
// Two parts: example cases for every rule the node shares with the Python accumulator (and the
// keypad), then a random-sequence property test against an exact oracle that knows the true meter.

#include "carbon_node.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <type_traits>

using carbon_node::Accumulator;
using carbon_node::FactorKeypad;
using carbon_node::Outcome;

namespace {

long g_passed = 0;
long g_failed = 0;
// Where the property test is, so a failure can be replayed (-1 = in an example test).
long g_sequence = -1;
long g_event = -1;
constexpr long kMaxPrintedFailures = 25;

void check(bool ok, const char *expression, const char *file, int line) {
  if (ok) {
    ++g_passed;
    return;
  }
  ++g_failed;
  if (g_failed > kMaxPrintedFailures) {
    return;  // one broken rule can fail thousands of random checks; the first ones say enough
  }
  std::printf("%s:%d: CHECK failed: %s", file, line, expression);
  if (g_sequence >= 0) {
    std::printf("  [sequence %ld, event %ld]", g_sequence, g_event);
  }
  std::printf("\n");
}

#define CHECK(condition) check(static_cast<bool>(condition), #condition, __FILE__, __LINE__)

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

bool near(double a, double b, double tolerance = 1e-12) { return std::fabs(a - b) <= tolerance; }

// ------------------------------------------------------------------------------------------------
// The interface the ESPHome lambdas are written against: a change here breaks the YAML.
// ------------------------------------------------------------------------------------------------

static_assert(std::is_same<std::underlying_type<Outcome>::type, uint8_t>::value, "Outcome size");
static_assert(carbon_node::kResetRatio == 0.9, "same reset ratio as accumulator.py");
static_assert(std::is_default_constructible<Accumulator>::value, "an ESPHome global needs it");
static_assert(std::is_default_constructible<FactorKeypad>::value, "an ESPHome global needs it");
static_assert(std::is_copy_assignable<Accumulator>::value, "copyable state");
static_assert(FactorKeypad::kMaxLength == 10, "keypad length");
static_assert(std::is_same<decltype(&Accumulator::restore),
                           void (Accumulator::*)(double, double, bool)>::value,
              "restore signature");
static_assert(std::is_same<decltype(&Accumulator::reading),
                           Outcome (Accumulator::*)(double, double)>::value,
              "reading signature");
static_assert(std::is_same<decltype(&Accumulator::total), double (Accumulator::*)() const>::value,
              "total signature");
static_assert(std::is_same<decltype(&Accumulator::has_baseline),
                           bool (Accumulator::*)() const>::value,
              "has_baseline signature");
static_assert(std::is_same<decltype(&Accumulator::baseline),
                           double (Accumulator::*)() const>::value,
              "baseline signature");
static_assert(std::is_same<decltype(&Accumulator::rebase), void (Accumulator::*)()>::value,
              "rebase signature");
static_assert(std::is_same<decltype(&FactorKeypad::digit), void (FactorKeypad::*)(uint8_t)>::value,
              "digit signature");
static_assert(std::is_same<decltype(&FactorKeypad::point), void (FactorKeypad::*)()>::value,
              "point signature");
static_assert(std::is_same<decltype(&FactorKeypad::cancel), void (FactorKeypad::*)()>::value,
              "cancel signature");
static_assert(std::is_same<decltype(&FactorKeypad::confirm),
                           bool (FactorKeypad::*)(double *, double)>::value,
              "confirm signature");
static_assert(std::is_same<decltype(&FactorKeypad::buffer),
                           const std::string &(FactorKeypad::*)() const>::value,
              "buffer signature");

// ------------------------------------------------------------------------------------------------
// Accumulator: one example per rule.
// ------------------------------------------------------------------------------------------------

void test_first_reading_is_the_baseline() {
  Accumulator acc;
  CHECK(!acc.has_baseline());
  CHECK(acc.total() == 0.0);
  CHECK(acc.reading(100.0, 0.5) == Outcome::Baseline);
  CHECK(acc.has_baseline());
  CHECK(acc.baseline() == 100.0);
  CHECK(acc.total() == 0.0);

  // The baseline is taken even while the factor is unknown: nothing before it is priced anyway.
  Accumulator unknown;
  CHECK(unknown.reading(42.0, kNaN) == Outcome::Baseline);
  CHECK(unknown.baseline() == 42.0);
  CHECK(unknown.total() == 0.0);
}

void test_increase_is_counted_at_the_factor() {
  Accumulator acc;
  acc.reading(100.0, 0.5);
  CHECK(acc.reading(110.0, 0.5) == Outcome::Counted);
  CHECK(acc.total() == 5.0);
  CHECK(acc.baseline() == 110.0);
  // The factor of the reading prices the delta that reading closes.
  CHECK(acc.reading(120.0, 2.0) == Outcome::Counted);
  CHECK(acc.total() == 25.0);
  // No change: counted, nothing added.
  CHECK(acc.reading(120.0, 2.0) == Outcome::Counted);
  CHECK(acc.total() == 25.0);
  // A zero factor (e.g. a renewable tariff) counts nothing but moves the baseline.
  CHECK(acc.reading(150.0, 0.0) == Outcome::Counted);
  CHECK(acc.total() == 25.0);
  CHECK(acc.baseline() == 150.0);
}

void test_reading_below_90_percent_is_a_reset_counted_from_zero() {
  Accumulator acc;
  acc.reading(100.0, 1.0);
  CHECK(acc.reading(50.0, 0.5) == Outcome::Reset);
  CHECK(acc.total() == 25.0);  // all 50 are new: the meter restarted from zero
  CHECK(acc.baseline() == 50.0);
  CHECK(acc.reading(60.0, 0.5) == Outcome::Counted);
  CHECK(acc.total() == 30.0);

  // A reset to zero counts nothing, then counts from zero.
  Accumulator zero;
  zero.reading(100.0, 1.0);
  CHECK(zero.reading(0.0, 1.0) == Outcome::Reset);
  CHECK(zero.total() == 0.0);
  CHECK(zero.baseline() == 0.0);
  CHECK(zero.reading(3.0, 1.0) == Outcome::Counted);
  CHECK(zero.total() == 3.0);
}

void test_reset_threshold_is_exactly_90_percent() {
  Accumulator acc;
  acc.reading(100.0, 1.0);
  const double threshold = carbon_node::kResetRatio * 100.0;
  // Exactly 90 % is not a reset: it is a dip, so jitter.
  CHECK(acc.reading(threshold, 1.0) == Outcome::Jitter);
  CHECK(acc.reading(90.0, 1.0) == Outcome::Jitter);
  CHECK(acc.total() == 0.0);
  CHECK(acc.baseline() == 100.0);
  // The next double below it is.
  const double below = std::nextafter(threshold, 0.0);
  CHECK(acc.reading(below, 1.0) == Outcome::Reset);
  CHECK(acc.total() == below);

  Accumulator other;
  other.reading(100.0, 1.0);
  CHECK(other.reading(89.99, 1.0) == Outcome::Reset);
}

void test_small_dip_is_jitter_and_recovery_is_not_double_counted() {
  Accumulator acc;
  acc.reading(100.0, 0.5);
  CHECK(acc.reading(95.0, 0.5) == Outcome::Jitter);
  CHECK(acc.total() == 0.0);
  CHECK(acc.baseline() == 100.0);  // stays at the high-water mark
  CHECK(acc.reading(91.0, 0.5) == Outcome::Jitter);
  CHECK(acc.baseline() == 100.0);
  // Back to where it was: nothing new.
  CHECK(acc.reading(100.0, 0.5) == Outcome::Counted);
  CHECK(acc.total() == 0.0);
  // Only the rise above the high-water mark is counted.
  CHECK(acc.reading(104.0, 0.5) == Outcome::Counted);
  CHECK(acc.total() == 2.0);
  // Jitter then a rise above the mark: counted from the mark, not from the dip.
  CHECK(acc.reading(99.0, 0.5) == Outcome::Jitter);
  CHECK(acc.reading(106.0, 0.5) == Outcome::Counted);
  CHECK(acc.total() == 3.0);
}

void test_unknown_factor_holds_readings_until_priced_once() {
  Accumulator acc;
  acc.reading(100.0, 0.5);
  CHECK(acc.reading(110.0, kNaN) == Outcome::NoFactor);
  CHECK(acc.baseline() == 100.0);
  CHECK(acc.reading(120.0, kNaN) == Outcome::NoFactor);
  CHECK(acc.total() == 0.0);
  // The whole 30 since the last priced reading, at the factor known now, once.
  CHECK(acc.reading(130.0, 0.2) == Outcome::Counted);
  CHECK(near(acc.total(), 6.0));
  CHECK(acc.reading(130.0, 0.2) == Outcome::Counted);
  CHECK(near(acc.total(), 6.0));

  // A reset while the factor is unknown is still seen once the factor is back.
  Accumulator reset;
  reset.reading(100.0, 1.0);
  CHECK(reset.reading(5.0, kNaN) == Outcome::NoFactor);
  CHECK(reset.baseline() == 100.0);
  CHECK(reset.reading(20.0, 1.0) == Outcome::Reset);
  CHECK(reset.total() == 20.0);

  // A dip while the factor is unknown: held (not jitter), and nothing changes.
  Accumulator dip;
  dip.reading(100.0, 1.0);
  CHECK(dip.reading(95.0, kNaN) == Outcome::NoFactor);
  CHECK(dip.baseline() == 100.0);
}

void test_infinite_or_negative_factor_is_treated_as_unknown() {
  Accumulator acc;
  acc.reading(100.0, 1.0);
  CHECK(acc.reading(110.0, kInf) == Outcome::NoFactor);
  CHECK(acc.reading(110.0, -kInf) == Outcome::NoFactor);
  CHECK(acc.reading(110.0, -0.5) == Outcome::NoFactor);
  CHECK(acc.total() == 0.0);
  CHECK(acc.baseline() == 100.0);
  CHECK(acc.reading(110.0, 1.0) == Outcome::Counted);
  CHECK(acc.total() == 10.0);
}

void test_nan_infinite_or_negative_reading_is_invalid() {
  const double invalid[] = {kNaN, kInf, -kInf, -1.0, -1e-300};
  for (double value : invalid) {
    Accumulator fresh;
    CHECK(fresh.reading(value, 1.0) == Outcome::Invalid);
    CHECK(!fresh.has_baseline());  // not even a baseline
    CHECK(fresh.total() == 0.0);

    Accumulator acc;
    acc.reading(100.0, 1.0);
    acc.reading(110.0, 1.0);
    CHECK(acc.reading(value, 1.0) == Outcome::Invalid);
    CHECK(acc.reading(value, kNaN) == Outcome::Invalid);
    CHECK(acc.total() == 10.0);
    CHECK(acc.baseline() == 110.0);
    // Life goes on from the last valid reading: an invalid one is neither a reset nor jitter.
    CHECK(acc.reading(111.0, 1.0) == Outcome::Counted);
    CHECK(acc.total() == 11.0);
  }
}

// Flash as the node keeps it: three separate values, stored as bytes.
struct Saved {
  double total;
  double baseline;
  bool has_baseline;
};

Saved through_flash(const Accumulator &before) {
  const Saved saved{before.total(), before.baseline(), before.has_baseline()};
  unsigned char flash[sizeof(Saved)];
  std::memcpy(flash, &saved, sizeof(Saved));
  Saved loaded{};
  std::memcpy(&loaded, flash, sizeof(Saved));
  return loaded;
}

// A reboot: the saved state restored into a new accumulator, as the node's on_boot does.
Accumulator reboot(const Accumulator &before) {
  const Saved loaded = through_flash(before);
  Accumulator after;
  after.restore(loaded.total, loaded.baseline, loaded.has_baseline);
  return after;
}

void test_pulse_counter_restarting_after_reboot_loses_nothing() {
  // Pulse counter in kWh at 0.5 kg/kWh: 0 -> 1.5 -> 2.0 before the reboot.
  Accumulator acc;
  CHECK(acc.reading(0.0, 0.5) == Outcome::Baseline);
  CHECK(acc.reading(1.5, 0.5) == Outcome::Counted);
  CHECK(acc.reading(2.0, 0.5) == Outcome::Counted);
  CHECK(acc.total() == 1.0);

  Accumulator after = reboot(acc);
  CHECK(after.total() == 1.0);
  CHECK(after.has_baseline());
  CHECK(after.baseline() == 2.0);
  // The count starts again from zero: a reset, so the pulses since boot are all counted...
  CHECK(after.reading(0.1, 0.5) == Outcome::Reset);
  CHECK(near(after.total(), 1.05));
  // ... and none twice.
  CHECK(after.reading(0.5, 0.5) == Outcome::Counted);
  CHECK(near(after.total(), 1.25));

  // The counter publishes 0 at boot: a reset that counts nothing, then everything from zero.
  Accumulator zero = reboot(acc);
  CHECK(zero.reading(0.0, 0.5) == Outcome::Reset);
  CHECK(zero.total() == 1.0);
  CHECK(zero.reading(0.4, 0.5) == Outcome::Counted);
  CHECK(near(zero.total(), 1.2));
}

void test_persistent_meter_after_reboot_with_stale_flash_loses_nothing() {
  // Flash is written every few minutes: after a power cut the node comes back with an older
  // total *and* the matching older baseline, so a meter that kept counting loses nothing.
  Accumulator acc;
  acc.reading(100.0, 0.5);
  acc.reading(110.0, 0.5);
  const Accumulator stale = reboot(acc);  // last flash write
  acc.reading(150.0, 0.5);                // counted, but lost in the power cut
  Accumulator after = reboot(stale);
  CHECK(after.total() == 5.0);
  CHECK(after.baseline() == 110.0);
  CHECK(after.reading(160.0, 0.5) == Outcome::Counted);
  CHECK(after.total() == 30.0);  // (160 - 100) x 0.5: the whole consumption
}

void test_restore_fresh_start_and_damaged_flash() {
  Accumulator fresh;
  fresh.restore(12.5, 0.0, false);
  CHECK(fresh.total() == 12.5);
  CHECK(!fresh.has_baseline());
  CHECK(fresh.reading(300.0, 1.0) == Outcome::Baseline);  // the total is kept, nothing added
  CHECK(fresh.total() == 12.5);
  CHECK(fresh.reading(301.0, 1.0) == Outcome::Counted);
  CHECK(fresh.total() == 13.5);

  // What is in flash with has_baseline false does not matter.
  Accumulator ignored;
  ignored.restore(1.0, kNaN, false);
  CHECK(!ignored.has_baseline());
  CHECK(ignored.reading(5.0, 1.0) == Outcome::Baseline);

  // Restoring resets everything, compensation included: a used accumulator can be restored again.
  Accumulator used;
  used.restore(1000000.123, 0.0, false);
  used.reading(0.0, 0.1);
  double plain = 1000000.123;
  for (int i = 1; i <= 50; ++i) {
    used.reading(i / 1000.0, 0.1);  // 0.0001 kg each: rounding errors pile up in the compensation
    plain += (i / 1000.0 - (i - 1) / 1000.0) * 0.1;
  }
  CHECK(used.total() != plain);  // so there is a compensation to forget
  used.restore(7.0, 50.0, true);
  CHECK(used.total() == 7.0);
  CHECK(used.baseline() == 50.0);
  CHECK(used.reading(51.0, 1.0) == Outcome::Counted);
  CHECK(used.total() == 8.0);

  // Garbage in flash: never a NaN, infinite or negative total; no baseline from garbage.
  const double bad[] = {kNaN, kInf, -kInf, -3.0};
  for (double value : bad) {
    Accumulator acc;
    acc.restore(value, 10.0, true);
    CHECK(acc.total() == 0.0);
    CHECK(acc.has_baseline());
    CHECK(acc.baseline() == 10.0);

    Accumulator base;
    base.restore(4.0, value, true);
    CHECK(base.total() == 4.0);
    CHECK(!base.has_baseline());
    CHECK(base.reading(20.0, 1.0) == Outcome::Baseline);
    CHECK(base.total() == 4.0);
  }
}

void test_rebase_forgets_the_baseline_and_keeps_the_total() {
  Accumulator acc;
  acc.reading(100.0, 1.0);
  acc.reading(104.0, 1.0);
  acc.rebase();
  CHECK(!acc.has_baseline());
  CHECK(acc.total() == 4.0);
  // The replacement meter starts somewhere else entirely: not a reset, not counted.
  CHECK(acc.reading(5000.0, 1.0) == Outcome::Baseline);
  CHECK(acc.total() == 4.0);
  CHECK(acc.reading(5002.0, 1.0) == Outcome::Counted);
  CHECK(acc.total() == 6.0);

  // Lower than the old meter: a baseline too, not a reset.
  acc.rebase();
  CHECK(acc.reading(3.0, 1.0) == Outcome::Baseline);
  CHECK(acc.total() == 6.0);
  CHECK(acc.baseline() == 3.0);

  // Saved after a rebase and restored: still without a baseline.
  acc.rebase();
  Accumulator after = reboot(acc);
  CHECK(!after.has_baseline());
  CHECK(after.total() == 6.0);
}

void test_compensated_sum_of_many_small_deltas() {
  // 1e5 deltas of 0.001 kWh at 0.1 kg/kWh (the Python accumulator's test, on the device).
  const double factor = 0.1;
  const int steps = 100000;
  Accumulator acc;
  acc.reading(0.0, factor);
  bool all_counted = true;
  for (int i = 1; i <= steps; ++i) {
    all_counted = all_counted && acc.reading(i / 1000.0, factor) == Outcome::Counted;
  }
  CHECK(all_counted);
  // The deltas telescope: exactly (last reading - first reading) x factor.
  const long double expected = static_cast<long double>(steps / 1000.0) * factor;
  CHECK(std::fabs(static_cast<long double>(acc.total()) - expected) <= 1e-12L);
}

void test_compensated_sum_keeps_small_deltas_on_a_large_total() {
  // Tiny additions to a large restored total must not be rounded away one by one.
  const double start = 123456.789;
  const double factor = 0.1;
  const int steps = 100000;
  Accumulator acc;
  acc.restore(start, 0.0, false);
  acc.reading(0.0, factor);
  double naive = start;
  for (int i = 1; i <= steps; ++i) {
    acc.reading(i / 1000.0, factor);
    naive += (i / 1000.0 - (i - 1) / 1000.0) * factor;
  }
  const long double expected =
      static_cast<long double>(start) + static_cast<long double>(steps / 1000.0) * factor;
  const long double error = std::fabs(static_cast<long double>(acc.total()) - expected);
  const long double naive_error = std::fabs(static_cast<long double>(naive) - expected);
  // Within one unit in the last place of the total (~1.5e-11 kg here) ...
  CHECK(error <= 3e-11L);
  // ... and far better than plain summation, which drifts by orders of magnitude more.
  CHECK(naive_error > 1000 * error);
  CHECK(naive_error > 1e-9L);
}

// ------------------------------------------------------------------------------------------------
// FactorKeypad.
// ------------------------------------------------------------------------------------------------

void test_keypad_digits_and_point() {
  FactorKeypad pad;
  CHECK(pad.buffer().empty());
  for (uint8_t d = 0; d <= 9; ++d) {
    pad.cancel();
    pad.digit(d);
    CHECK(pad.buffer() == std::string(1, static_cast<char>('0' + d)));
  }
  pad.cancel();
  pad.digit(10);  // not a digit
  pad.digit(255);
  CHECK(pad.buffer().empty());

  pad.digit(0);
  pad.point();
  pad.digit(5);
  CHECK(pad.buffer() == "0.5");
  pad.point();  // a second point is ignored
  pad.digit(3);
  CHECK(pad.buffer() == "0.53");

  // The point may come first or last.
  pad.cancel();
  pad.point();
  pad.point();
  CHECK(pad.buffer() == ".");
}

void test_keypad_max_length() {
  FactorKeypad pad;
  for (int i = 0; i < 15; ++i) {
    pad.digit(static_cast<uint8_t>(i % 10));
  }
  CHECK(pad.buffer() == "0123456789");
  CHECK(pad.buffer().size() == FactorKeypad::kMaxLength);
  pad.point();  // full: ignored too
  CHECK(pad.buffer() == "0123456789");

  // Nine digits and the point fill it; no digit fits after that.
  pad.cancel();
  for (int i = 1; i <= 9; ++i) {
    pad.digit(static_cast<uint8_t>(i));
  }
  pad.point();
  pad.digit(7);
  CHECK(pad.buffer() == "123456789.");
}

void test_keypad_cancel_clears() {
  FactorKeypad pad;
  pad.digit(4);
  pad.point();
  pad.digit(2);
  pad.cancel();
  CHECK(pad.buffer().empty());
  // A new factor can be typed at once, including a new point.
  pad.digit(1);
  pad.point();
  pad.digit(5);
  double out = -1.0;
  CHECK(pad.confirm(&out));
  CHECK(out == 1.5);
}

bool type_and_confirm(const char *keys, double *out, double max_factor = 1000000.0) {
  FactorKeypad pad;
  for (const char *key = keys; *key != '\0'; ++key) {
    if (*key == '.') {
      pad.point();
    } else {
      pad.digit(static_cast<uint8_t>(*key - '0'));
    }
  }
  const bool ok = pad.confirm(out, max_factor);
  CHECK(pad.buffer().empty());  // cleared whatever the outcome
  return ok;
}

void test_keypad_confirm_success() {
  double out = -1.0;
  CHECK(type_and_confirm("0.5306", &out));
  CHECK(out == 0.5306);
  CHECK(type_and_confirm(".5", &out));
  CHECK(out == 0.5);
  CHECK(type_and_confirm("5.", &out));
  CHECK(out == 5.0);
  CHECK(type_and_confirm("0", &out));
  CHECK(out == 0.0);
  CHECK(type_and_confirm("000.250", &out));
  CHECK(out == 0.25);
  CHECK(type_and_confirm("1000000", &out));  // the default maximum itself
  CHECK(out == 1000000.0);
  CHECK(type_and_confirm("12.5", &out, 12.5));
  CHECK(out == 12.5);
  CHECK(type_and_confirm("0.00000001", &out));
  CHECK(out == 1e-8);

  // The default argument is what the YAML relies on when it passes none.
  FactorKeypad pad;
  pad.digit(2);
  CHECK(pad.confirm(&out));
  CHECK(out == 2.0);
}

void test_keypad_confirm_failure() {
  double out = 7.0;
  CHECK(!type_and_confirm("", &out));
  CHECK(!type_and_confirm(".", &out));
  CHECK(!type_and_confirm("1000001", &out));  // above the default maximum
  CHECK(!type_and_confirm("9999999999", &out));
  CHECK(!type_and_confirm("2000", &out, 1000.0));
  CHECK(!type_and_confirm("12.51", &out, 12.5));
  CHECK(!type_and_confirm("0.1", &out, 0.0));
  CHECK(!type_and_confirm("1", &out, kNaN));
  CHECK(out == 7.0);  // left alone on every failure
  CHECK(type_and_confirm("0", &out, 0.0));
  CHECK(out == 0.0);

  // No place to write to: refused, and the buffer is still cleared.
  FactorKeypad pad;
  pad.digit(3);
  CHECK(!pad.confirm(nullptr));
  CHECK(pad.buffer().empty());

  // After a refusal the next factor works.
  pad.digit(9);
  pad.digit(9);
  CHECK(!pad.confirm(&out, 50.0));
  pad.digit(4);
  pad.digit(9);
  CHECK(pad.confirm(&out, 50.0));
  CHECK(out == 49.0);
}

// ------------------------------------------------------------------------------------------------
// Random-sequence property test against an exact oracle.
// ------------------------------------------------------------------------------------------------
//
// The oracle knows the true meter in integer Wh and the factor in integer milli-(kg CO2e/kWh), so
// its expected total is an exact integer in micro-kg: Wh x milli-factor = 1e-6 kg. It prices the
// consumption since the last accepted reading at the factor of the next accepted reading, which is
// what an ideal node does. The node only sees readings in kWh and factors as doubles.

constexpr int kSequences = 2000;
constexpr int kEventsPerSequence = 200;  // on average: each sequence is 100..300 events long
constexpr int64_t kMaxMeterWh = 2500000;  // readings up to 2500 kWh
constexpr long double kTolerance = 1e-9L;  // kg

// The project's own small generator on top of mt19937_64 (whose output is fixed by the standard),
// so the sequences are the same with every standard library.
class Random {
 public:
  explicit Random(uint64_t seed) : engine_(seed) {}
  int64_t below(int64_t n) { return static_cast<int64_t>(engine_() % static_cast<uint64_t>(n)); }
  int64_t between(int64_t low, int64_t high) { return low + below(high - low + 1); }
  bool chance(int64_t numerator, int64_t denominator) { return below(denominator) < numerator; }
  double unit() { return static_cast<double>(engine_() >> 11) * 0x1.0p-53; }

 private:
  std::mt19937_64 engine_;
};

enum : int { kOutcomes = 6 };
long g_outcomes[kOutcomes] = {};
long g_lost_wh_events = 0;
long double g_max_error = 0.0L;

class Scenario {
 public:
  Scenario(Random &random, double start_total, bool reboots)
      : random_(random), start_total_(start_total), reboots_(reboots) {
    if (start_total != 0.0) {
      acc_.restore(start_total, 0.0, false);  // a node that has counted for years
    }
    last_total_ = acc_.total();
    new_factor();
  }

  void step() {
    const int64_t roll = random_.below(100);
    if (roll < 55) {
      consume();
    } else if (roll < 65) {
      jitter();
    } else if (roll < 75) {
      new_factor();
    } else if (roll < 81) {
      reset(random_.chance(3, 4));
    } else if (roll < 87) {
      if (reboots_) {
        restart(random_.chance(1, 2));
      } else {
        consume();
      }
    } else if (roll < 92) {
      invalid();
    } else if (roll < 94) {
      replace_meter();
    } else {
      deliver();  // the meter reported again without having moved
    }
    check_state();
  }

  void finish() const {
    CHECK(error() <= kTolerance);
  }

 private:
  // ---- events -------------------------------------------------------------------------------

  void consume() {
    int64_t wh = 0;
    const int64_t size = random_.below(5);
    if (size == 1 || size == 2) {
      wh = random_.between(0, 1000);
    } else if (size >= 3) {
      wh = random_.between(0, 50000);
    }
    if (reset_pending_ && base_wh_ > 0) {
      // The 90 % rule can only see the reset while the meter stays well below the baseline.
      const int64_t cap = base_wh_ * 8 / 10;
      wh = std::max<int64_t>(0, std::min(wh, cap - meter_wh_));
    }
    wh = std::min(wh, kMaxMeterWh - meter_wh_);
    meter_wh_ += wh;
    pending_wh_ += wh;
    if (random_.chance(4, 5)) {
      deliver();
    }
    // else: an outage; the next delivered reading bridges it.
  }

  void deliver() {
    const double value = static_cast<double>(meter_wh_) / 1000.0;
    const Outcome outcome = record(acc_.reading(value, factor_));
    if (!has_base_) {
      CHECK(outcome == Outcome::Baseline);
      accept(value, false);  // consumption before the first reading was never seen
      return;
    }
    if (!factor_known_) {
      CHECK(outcome == Outcome::NoFactor);
      return;
    }
    const Outcome wanted = (reset_pending_ && base_wh_ > 0) ? Outcome::Reset : Outcome::Counted;
    CHECK(outcome == wanted);
    accept(value, true);
  }

  void jitter() {
    if (!has_base_ || base_value_ <= 0.0 || reset_pending_) {
      return;
    }
    const double fraction = 0.001 + 0.089 * random_.unit();  // a dip of 0.1 % .. 9 %
    const double value = base_value_ * (1.0 - fraction);
    const Outcome outcome = record(acc_.reading(value, factor_));
    CHECK(outcome == (factor_known_ ? Outcome::Jitter : Outcome::NoFactor));
  }

  void new_factor() {
    if (random_.chance(1, 4)) {
      factor_known_ = false;
      // Unknown is NaN on the node; an infinite or negative factor must behave the same.
      const int64_t kind = random_.below(10);
      factor_ = kind == 0 ? -1.0 : kind == 1 ? kInf : kNaN;
      return;
    }
    static const int64_t kSpecial[] = {0, 100, 233, 500, 1000, 9990, 10000};
    factor_known_ = true;
    factor_milli_ = random_.chance(1, 3) ? kSpecial[random_.below(7)] : random_.between(0, 10000);
    factor_ = static_cast<double>(factor_milli_) / 1000.0;
  }

  // The meter's counter restarts at 0. With `flush`, a last reading of the old period is delivered
  // first (with a known factor), as the Python property test does; without it, whatever the node
  // had not seen of the old period is lost, which no tracker can know about.
  void reset(bool flush) {
    if (has_base_ && flush) {
      while (!factor_known_) {
        new_factor();
      }
      deliver();
      CHECK(pending_wh_ == 0);
    }
    if (has_base_) {
      reset_pending_ = true;
      if (pending_wh_ > 0) {
        ++g_lost_wh_events;
      }
    }
    pending_wh_ = 0;
    meter_wh_ = 0;
  }

  // Reboot: the state goes through flash (three doubles/bools, as bytes) into a new accumulator.
  // A pulse counter also restarts from zero; the factor may be unknown until it is restored.
  void restart(bool counter_restarts) {
    const double total = acc_.total();
    if (random_.chance(1, 2)) {
      acc_ = reboot(acc_);
    } else {
      // The same object restored in place must end up just the same.
      const Saved loaded = through_flash(acc_);
      acc_.restore(loaded.total, loaded.baseline, loaded.has_baseline);
    }
    CHECK(acc_.total() == total);
    if (random_.chance(1, 2)) {
      factor_known_ = false;
      factor_ = kNaN;
    }
    if (counter_restarts) {
      reset(false);
    }
  }

  void invalid() {
    static const double kInvalid[] = {kNaN, kInf, -kInf, -0.001, -1000.0};
    const double value = kInvalid[random_.below(5)];
    const double total = acc_.total();
    CHECK(record(acc_.reading(value, factor_)) == Outcome::Invalid);
    CHECK(acc_.total() == total);
  }

  // The meter is replaced by another one standing anywhere; the user rebases the node.
  void replace_meter() {
    const double total = acc_.total();
    acc_.rebase();
    CHECK(acc_.total() == total);
    CHECK(!acc_.has_baseline());
    if (has_base_ && pending_wh_ > 0) {
      ++g_lost_wh_events;
    }
    has_base_ = false;
    reset_pending_ = false;
    pending_wh_ = 0;
    meter_wh_ = random_.between(0, kMaxMeterWh);
  }

  // ---- oracle ---------------------------------------------------------------------------------

  void accept(double value, bool priced) {
    if (priced) {
      expected_micro_kg_ += pending_wh_ * factor_milli_;
    }
    has_base_ = true;
    base_wh_ = meter_wh_;
    base_value_ = value;
    pending_wh_ = 0;
    reset_pending_ = false;
  }

  long double error() const {
    const long double exact =
        static_cast<long double>(start_total_) + static_cast<long double>(expected_micro_kg_) / 1e6L;
    return std::fabs(static_cast<long double>(acc_.total()) - exact);
  }

  void check_state() {
    const double total = acc_.total();
    CHECK(total >= last_total_);  // total_increasing, whatever happens
    last_total_ = total;
    CHECK(acc_.has_baseline() == has_base_);
    if (has_base_) {
      CHECK(acc_.baseline() == base_value_);  // the high-water mark, exactly
    }
    const long double err = error();
    if (err > g_max_error) {
      g_max_error = err;
    }
    CHECK(err <= kTolerance);
  }

  static Outcome record(Outcome outcome) {
    const auto index = static_cast<int>(outcome);
    if (index >= 0 && index < kOutcomes) {
      ++g_outcomes[index];
    }
    return outcome;
  }

  Random &random_;
  Accumulator acc_;
  double start_total_;
  bool reboots_;  // false: the compensation is never folded into a restored double
  double last_total_ = 0.0;
  // The factor in force on the node, and the same factor as the oracle knows it.
  double factor_ = kNaN;
  bool factor_known_ = false;
  int64_t factor_milli_ = 0;
  // The true meter and what the oracle knows about the node's view of it.
  int64_t meter_wh_ = 0;
  int64_t pending_wh_ = 0;  // consumed since the last accepted reading
  bool has_base_ = false;
  int64_t base_wh_ = 0;       // true meter at the last accepted reading
  double base_value_ = 0.0;   // that reading as delivered
  bool reset_pending_ = false;
  int64_t expected_micro_kg_ = 0;
};

void test_random_sequences_match_the_oracle() {
  Random random(0x00C0FFEE20251123ULL);
  long events = 0;
  for (long sequence = 0; sequence < kSequences; ++sequence) {
    g_sequence = sequence;
    // Half of the nodes start from a large restored total (a node that has counted for years),
    // where each rounding is worth more. Up to 1e6 kg, a reboot (which keeps only the rounded
    // total, not its compensation) costs at most half an ulp, 5.8e-11 kg. Between 2^21 and 2^22 kg
    // (half an ulp = 2.3e-10 kg) plain summation would be off by ~1e-9 kg after a few dozen
    // deltas, but so would a few reboots: those sequences have none.
    double start = 0.0;
    bool reboots = true;
    const int64_t kind = random.below(4);
    if (kind == 1) {
      start = 500000.0 + static_cast<double>(random.below(500000000)) / 1000.0;
    } else if (kind == 2) {
      start = 2200000.0 + static_cast<double>(random.below(1700000000)) / 1000.0;
      reboots = false;
    }
    Scenario scenario(random, start, reboots);
    const int length = static_cast<int>(random.between(kEventsPerSequence / 2,
                                                       kEventsPerSequence * 3 / 2));
    for (int event = 0; event < length; ++event) {
      g_event = event;
      scenario.step();
      ++events;
    }
    g_event = length;
    scenario.finish();
  }
  g_sequence = -1;
  g_event = -1;

  // The generator must really exercise every rule.
  static const char *const kNames[kOutcomes] = {"baseline", "counted", "reset",
                                                "jitter",   "no_factor", "invalid"};
  std::printf("property: %d sequences, %ld events; outcomes:", kSequences, events);
  for (int i = 0; i < kOutcomes; ++i) {
    std::printf(" %s=%ld", kNames[i], g_outcomes[i]);
    CHECK(g_outcomes[i] >= 1000);
  }
  std::printf("; resets losing unseen consumption: %ld; max |total - oracle| = %.3Le kg\n",
              g_lost_wh_events, g_max_error);
}

}  // namespace

// The YAML saves the accumulator as ONE flash value and restores it through carbon_node::restore.
void test_saved_state_round_trip_and_pulse_restart_from_zero() {
  static_assert(std::is_trivially_copyable<carbon_node::SavedState>::value, "flash-safe");
  Accumulator acc;
  CHECK(acc.reading(100.0, 0.5) == Outcome::Baseline);
  CHECK(acc.reading(110.0, 0.5) == Outcome::Counted);
  const carbon_node::SavedState saved = carbon_node::save(acc);
  CHECK(saved.total_kg == 5.0);
  CHECK(saved.baseline == 110.0);
  CHECK(saved.has_baseline);

  // A meter with its own register (SDM120): the saved baseline is kept.
  Accumulator modbus;
  carbon_node::restore(modbus, saved, false);
  CHECK(modbus.total() == 5.0);
  CHECK(modbus.baseline() == 110.0);
  CHECK(modbus.reading(112.0, 0.5) == Outcome::Counted);
  CHECK(near(modbus.total(), 6.0));

  // A pulse counter restarts at 0 on boot: baseline 0, so even a tiny saved baseline (a few pulses
  // after an earlier reboot) cannot make the first pulses look like jitter.
  Accumulator small;
  CHECK(small.reading(0.0, 0.5) == Outcome::Baseline);
  CHECK(small.reading(0.003, 0.5) == Outcome::Counted);
  Accumulator pulse;
  carbon_node::restore(pulse, carbon_node::save(small), true);
  CHECK(pulse.has_baseline());
  CHECK(pulse.baseline() == 0.0);
  CHECK(pulse.reading(0.003, 0.5) == Outcome::Counted);
  CHECK(near(pulse.total(), 0.003));
  CHECK(pulse.reading(0.004, 0.5) == Outcome::Counted);
  CHECK(near(pulse.total(), 0.0035));

  // A fresh device: the YAML's initial value is a fresh start.
  Accumulator fresh;
  carbon_node::restore(fresh, carbon_node::SavedState{0.0, 0.0, false}, false);
  CHECK(!fresh.has_baseline());
  CHECK(fresh.total() == 0.0);
}

int main() {
  test_first_reading_is_the_baseline();
  test_increase_is_counted_at_the_factor();
  test_reading_below_90_percent_is_a_reset_counted_from_zero();
  test_reset_threshold_is_exactly_90_percent();
  test_small_dip_is_jitter_and_recovery_is_not_double_counted();
  test_unknown_factor_holds_readings_until_priced_once();
  test_infinite_or_negative_factor_is_treated_as_unknown();
  test_nan_infinite_or_negative_reading_is_invalid();
  test_pulse_counter_restarting_after_reboot_loses_nothing();
  test_persistent_meter_after_reboot_with_stale_flash_loses_nothing();
  test_restore_fresh_start_and_damaged_flash();
  test_rebase_forgets_the_baseline_and_keeps_the_total();
  test_compensated_sum_of_many_small_deltas();
  test_compensated_sum_keeps_small_deltas_on_a_large_total();
  test_keypad_digits_and_point();
  test_keypad_max_length();
  test_keypad_cancel_clears();
  test_keypad_confirm_success();
  test_keypad_confirm_failure();
  test_saved_state_round_trip_and_pulse_restart_from_zero();
  test_random_sequences_match_the_oracle();

  if (g_failed > kMaxPrintedFailures) {
    std::printf("(%ld more failures not shown)\n", g_failed - kMaxPrintedFailures);
  }
  std::printf("%ld passed, %ld failed\n", g_passed, g_failed);
  return g_failed == 0 ? 0 : 1;
}
