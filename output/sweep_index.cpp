// Sweep index writer and run-file reader (HDF5 C API). See sweep_index.hpp.
#include "output/sweep_index.hpp"

#include <algorithm>
#include <cmath>
#include <optional>
#include <system_error>
#include <type_traits>
#include <utility>

#include "output/hdf5.hpp"
#include "sim/errors.hpp"

namespace biocluster::output {

namespace {

h5::Handle open_run_file(const std::filesystem::path& file) { return h5::open_read(file, /*file_locking=*/false); }

/// Writes the index file, every call checked. Objects record no time stamps.
class Writer {
 public:
  explicit Writer(const std::filesystem::path& path)
      : check_("sweep index '" + path.string() + "': cannot ",
               "check free disk space and that the directory is writable") {
    h5::Handle fcpl = check_.untimed_plist(H5P_FILE_CREATE);
    file_ = check_.own(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, fcpl.get(), H5P_DEFAULT), "create the file");
  }
  hid_t root() const { return file_.get(); }
  void attr_str(hid_t loc, const char* name, const std::string& v) const { check_.attr_str(loc, name, v); }
  void attrs(hid_t loc, std::initializer_list<h5::Attr> list) const { check_.attrs(loc, list); }
  h5::Handle group(const char* name) const { return check_.group(file_.get(), name); }
  h5::Handle group(hid_t loc, const std::string& name) const { return check_.group(loc, name); }
  template <class T>
  h5::Handle numbers(hid_t loc, const char* name, hid_t ftype, hid_t mtype, const std::vector<T>& v,
                     const std::vector<hsize_t>& dims) const {
    h5::Handle d = check_.dataset(loc, name, ftype, dims);
    check_.write(d.get(), mtype, v.data(), v.size(), std::string("dataset '") + name + "'");
    return d;
  }
  h5::Handle strings(hid_t loc, const char* name, const std::vector<std::string>& v,
                     const std::vector<hsize_t>& dims) const {
    return check_.string_dataset(loc, name, v, dims);
  }
  void close() { check_.ok(file_.reset(), "close the file"); }

 private:
  h5::Checked check_;
  h5::Handle file_;
};

}  // namespace

std::string run_file_status(const std::filesystem::path& file) {
  h5::ErrorGuard quiet;
  std::error_code ec;
  if (!std::filesystem::is_regular_file(file, ec)) return "";
  h5::Handle f = open_run_file(file);
  if (!f.valid()) return "";
  return h5::read_string_attr(f.get(), "status").value_or("");
}

namespace {

/// Per region: in the capital area (the /regions compound's capital_area member); empty if unreadable.
std::vector<bool> capital_area_flags(hid_t file) {
  h5::Handle d(H5Dopen2(file, "regions", H5P_DEFAULT));
  if (!d.valid()) return {};
  h5::Handle sp(H5Dget_space(d.get()));
  const hssize_t n = H5Sget_simple_extent_npoints(sp.get());
  if (n <= 0) return {};
  h5::Handle boolean(H5Tenum_create(H5T_NATIVE_INT8));
  const std::int8_t f0 = 0, t1 = 1;
  H5Tenum_insert(boolean.get(), "FALSE", &f0);
  H5Tenum_insert(boolean.get(), "TRUE", &t1);
  h5::Handle mem(H5Tcreate(H5T_COMPOUND, sizeof(std::int8_t)));
  H5Tinsert(mem.get(), "capital_area", 0, boolean.get());
  std::vector<std::int8_t> v(static_cast<std::size_t>(n));
  if (H5Dread(d.get(), mem.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data()) < 0) return {};
  return {v.begin(), v.end()};
}

}  // namespace

std::pair<std::string, std::string> split_group(const std::string& name) {
  const auto at = name.rfind('@');
  if (at == std::string::npos) return {name, ""};
  return {name.substr(0, at), name.substr(at + 1)};
}

RunMetrics summarise_run_file(const std::filesystem::path& file, const std::vector<std::string>& metrics) {
  h5::ErrorGuard quiet;
  h5::Handle f = open_run_file(file);
  if (!f.valid()) throw OutputError("cannot open run file '" + file.string() + "'");
  RunMetrics out;
  out.seed = h5::read_attr<std::uint64_t>(f.get(), "seed", H5T_NATIVE_UINT64).value_or(0);
  // Files written by this version carry /summary (the run totals, at every output level); older
  // ones are summarised from /timeseries, with the same sums in the same order.
  const bool has_summary = H5Lexists(f.get(), "summary", H5P_DEFAULT) > 0;
  if (!has_summary && H5Lexists(f.get(), "timeseries", H5P_DEFAULT) <= 0)
    throw OutputError("run file '" + file.string() + "' has neither /summary nor /timeseries");
  const char* group = has_summary ? "summary" : "timeseries";
  h5::Handle ts(H5Gopen2(f.get(), group, H5P_DEFAULT));
  if (!ts.valid()) throw OutputError("run file '" + file.string() + "': cannot open /" + group);
  const std::vector<std::string> available = h5::link_names(ts.get());
  // Region groups (docs/SWEEPS.md, "Region groups"): with regions both in and outside the capital
  // area, every metric also gets NAME@capital_area and NAME@elsewhere, unless the list names groups.
  const std::vector<bool> capital = capital_area_flags(f.get());
  const auto in_capital = static_cast<std::size_t>(std::count(capital.begin(), capital.end(), true));
  const bool groups = in_capital > 0 && in_capital < capital.size();
  out.names = metrics.empty() ? available : metrics;
  const bool named_groups = std::any_of(out.names.begin(), out.names.end(),
                                        [](const std::string& n) { return !split_group(n).second.empty(); });
  if (groups && !named_groups) {
    const std::size_t n = out.names.size();
    for (std::size_t i = 0; i < n; ++i)
      for (const char* g : {"@capital_area", "@elsewhere"}) out.names.push_back(out.names[i] + g);
  }
  for (const auto& name : out.names) {
    // Named, not a structured binding: clang 14 cannot capture bindings in the lambda below.
    const std::pair<std::string, std::string> split = split_group(name);
    const std::string& m = split.first;
    const std::string& grp = split.second;
    if (!grp.empty() && grp != "capital_area" && grp != "elsewhere")
      throw ConfigError("sweep metric '" + name + "': the region group after '@' is capital_area or elsewhere");
    if (!grp.empty() && !groups)
      throw ConfigError("sweep metric '" + name + "': the scenario has no capital_area regions beside others, so " +
                        "there is no '" + grp + "' group; mark regions with regions.NAME.capital_area = true");
    if (std::find(available.begin(), available.end(), m) == available.end()) {
      std::string list;
      for (const auto& a : available) list += (list.empty() ? "" : ", ") + a;
      throw ConfigError("sweep metric '" + m + "' is not a time series of the model; available: " + list);
    }
    const std::string where = std::string("/") + group + "/" + m;
    h5::Handle d(H5Dopen2(ts.get(), m.c_str(), H5P_DEFAULT));
    if (!d.valid()) throw OutputError("run file '" + file.string() + "': cannot open " + where);
    const std::string unit = h5::read_string_attr(d.get(), "units").value_or("");
    h5::Handle sp(H5Dget_space(d.get()));
    const int rank = H5Sget_simple_extent_ndims(sp.get());
    if (rank != (has_summary ? 1 : 2))
      throw OutputError("run file '" + file.string() + "': " + where + " is not " + (has_summary ? "1-D" : "2-D"));
    hsize_t dims[2] = {0, 0};
    H5Sget_simple_extent_dims(sp.get(), dims, nullptr);
    std::vector<double> v(has_summary ? dims[0] : dims[0] * dims[1]);
    if (!v.empty() && H5Dread(d.get(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data()) < 0)
      throw OutputError("run file '" + file.string() + "': cannot read " + where);
    // The run file's "kind" attribute ("flow" or "stock"); older files: a unit ending in "/month" is a flow.
    const std::optional<std::string> kind = h5::read_string_attr(d.get(), "kind");
    const bool flow = kind ? *kind == "flow" : unit.size() > 6 && unit.ends_with("/month");
    const std::size_t regions = has_summary ? dims[0] : dims[1];
    auto counted = [&](std::size_t r) {
      return grp.empty() || (r < capital.size() && capital[r] == (grp == "capital_area"));
    };
    double total = 0.0;
    bool any = has_summary;  // /summary is written only for a finished run
    if (has_summary) {
      for (std::size_t r = 0; r < regions; ++r)
        if (counted(r)) total += v[r];
    } else {
      const std::size_t steps = dims[0];
      any = steps > 0;
      for (std::size_t r = 0; r < regions; ++r) {
        if (!counted(r)) continue;
        double x = 0.0;
        if (flow) {
          for (std::size_t s = 0; s < steps; ++s) x += v[s * regions + r];
        } else if (steps > 0) {
          x = v[(steps - 1) * regions + r];
        }
        total += x;
      }
    }
    out.units.push_back(unit);
    out.summaries.push_back(flow ? "sum" : "final");
    out.values.push_back(any ? total : std::nan(""));
  }
  return out;
}

void write_sweep_index(const std::filesystem::path& path, const SweepIndex& x) {
  const std::size_t cells = x.metrics.size() * x.point_block.size();
  if (x.stat_n.size() != cells || x.stat_mean.size() != cells || x.stat_sd.size() != cells ||
      x.stat_ci_low.size() != cells || x.stat_ci_high.size() != cells)
    throw OutputError("sweep index '" + path.string() + "': the statistics do not cover every metric and point");
  if (std::find(x.metrics.begin(), x.metrics.end(), "t95") != x.metrics.end())
    throw OutputError("sweep index '" + path.string() + "': a metric named 't95' would clash with /stats/t95");
  h5::ErrorGuard quiet;
  const auto tmp = std::filesystem::path(path.string() + ".partial");
  {
    Writer w(tmp);
    const hid_t root = w.root();
    w.attrs(root, {{"format", "biocluster-sweep-index"},
                   {"format_version", std::int64_t{1}},
                   {"sweep_hash", x.sweep_hash},
                   {"sweep_text", x.sweep_text},
                   {"design", x.design},
                   {"program_version", x.program_version},
                   {"replicates", x.replicates},
                   {"sweep_seed", x.sweep_seed}});
    const hsize_t np = x.point_block.size(), nf = x.factors.size(), nr = x.run_point.size(), nm = x.metrics.size();
    {
      h5::Handle g = w.group("design");
      w.strings(g.get(), "factors", x.factors, {nf});
      w.numbers(g.get(), "block", H5T_STD_I64LE, H5T_NATIVE_INT64, x.point_block, {np});
      w.strings(g.get(), "role", x.point_role, {np});
      w.numbers(g.get(), "unit", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, x.point_unit, {np, nf});
      w.numbers(g.get(), "value", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, x.point_value, {np, nf});
      w.strings(g.get(), "text", x.point_text, {np, nf});
    }
    {
      h5::Handle g = w.group("runs");
      w.numbers(g.get(), "point", H5T_STD_I64LE, H5T_NATIVE_INT64, x.run_point, {nr});
      w.numbers(g.get(), "replicate", H5T_STD_I64LE, H5T_NATIVE_INT64, x.run_replicate, {nr});
      w.numbers(g.get(), "seed", H5T_STD_U64LE, H5T_NATIVE_UINT64, x.run_seed, {nr});
      w.strings(g.get(), "status", x.run_status, {nr});
      w.strings(g.get(), "error", x.run_error, {nr});
      w.strings(g.get(), "file", x.run_file, {nr});
    }
    {
      h5::Handle g = w.group("metrics");
      for (hsize_t m = 0; m < nm; ++m) {
        std::vector<double> col(x.metric_values.begin() + static_cast<std::ptrdiff_t>(m * nr),
                                x.metric_values.begin() + static_cast<std::ptrdiff_t>((m + 1) * nr));
        h5::Handle d = w.numbers(g.get(), x.metrics[m].c_str(), H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, col, {nr});
        w.attr_str(d.get(), "units", x.metric_units[m]);
        w.attr_str(d.get(), "summary",
                   x.metric_summaries[m] == "sum" ? "sum over steps and regions" : "final step, summed over regions");
      }
    }
    {
      // Per-point statistics: /stats/<metric>/{n,mean,sd,ci_low,ci_high} [point], and /stats/t95 [df].
      h5::Handle g = w.group("stats");
      const auto slice = [np](const auto& v, hsize_t m) {
        using T = typename std::decay_t<decltype(v)>::value_type;
        return std::vector<T>(v.begin() + static_cast<std::ptrdiff_t>(m * np),
                              v.begin() + static_cast<std::ptrdiff_t>((m + 1) * np));
      };
      for (hsize_t m = 0; m < nm; ++m) {
        h5::Handle gm = w.group(g.get(), x.metrics[m]);
        const std::string& units = x.metric_units[m];
        h5::Handle d = w.numbers(gm.get(), "n", H5T_STD_I64LE, H5T_NATIVE_INT64, slice(x.stat_n, m), {np});
        w.attrs(d.get(), {{"units", "runs"}, {"description", "done runs of the point with a finite value"}});
        d = w.numbers(gm.get(), "mean", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, slice(x.stat_mean, m), {np});
        w.attrs(d.get(), {{"units", units}, {"description", "mean over the point's done runs; NaN if n = 0"}});
        d = w.numbers(gm.get(), "sd", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, slice(x.stat_sd, m), {np});
        w.attrs(d.get(), {{"units", units},
                          {"description",
                           "sample standard deviation over the point's done runs (n - 1 in the "
                           "denominator); NaN if n < 2"}});
        d = w.numbers(gm.get(), "ci_low", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, slice(x.stat_ci_low, m), {np});
        w.attrs(d.get(), {{"units", units},
                          {"description",
                           "lower end of the 95% Student-t interval of the mean, "
                           "mean - t95[n - 1] * sd / sqrt(n); NaN if n < 2"}});
        d = w.numbers(gm.get(), "ci_high", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, slice(x.stat_ci_high, m), {np});
        w.attrs(d.get(), {{"units", units},
                          {"description",
                           "upper end of the 95% Student-t interval of the mean, "
                           "mean + t95[n - 1] * sd / sqrt(n); NaN if n < 2"}});
      }
      h5::Handle d = w.numbers(g.get(), "t95", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, x.t95, {x.t95.size()});
      w.attrs(d.get(), {{"units", "1"},
                        {"description",
                         "two-sided 95% factor of Student's t by degrees of freedom: t95[df] is the "
                         "0.975 quantile with df degrees of freedom (t95[0] = NaN), df = 0..replicates-1"}});
    }
    w.close();
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) throw OutputError("cannot rename '" + tmp.string() + "' to '" + path.string() + "': " + ec.message());
}

}  // namespace biocluster::output
