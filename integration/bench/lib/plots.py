"""PNG plots with gnuplot (gnuplot-nox): spawn rate per peer, and scale."""
import os
import subprocess


def _gnuplot(script):
    r = subprocess.run(["gnuplot"], input=script, capture_output=True, text=True, timeout=60)
    if r.returncode != 0:
        raise RuntimeError(f"gnuplot: {r.stderr.strip()}")


def spawn_rate_png(results, path, tmp):
    data = os.path.join(tmp, "spawn.dat")
    with open(data, "w") as f:
        for name, modes in results.items():
            f.write(f'"{name}" {modes["sequential"]["rate"]:.1f} {modes["8 clients"]["rate"]:.1f}\n')
    _gnuplot(f"""set terminal pngcairo size 900,450 noenhanced font ",10"
set output "{path}"
set title "Per-connection spawn rate, accept mode (connections/s, higher is better)"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set boxwidth 0.9
set ylabel "connections/s"
set yrange [0:*]
set grid ytics
set xtics rotate by -15 scale 0
set key top right
plot "{data}" using 2:xtic(1) title "sequential client", "" using 3 title "8 clients"
""")


def scale_png(results, path, tmp):
    data = os.path.join(tmp, "scale.dat")
    sizes = sorted({n for _, n in results})
    with open(data, "w") as f:
        for n in sizes:
            f.write(f'{n} {results[("sockvisord", n)]["ready_ms"]:.3f} '
                    f'{results[("bare bind loop (C)", n)]["ready_ms"]:.3f}\n')
    _gnuplot(f"""set terminal pngcairo size 800,450 noenhanced font ",10"
set output "{path}"
set title "Exec to READY=1 with N pathname sockets (lower is better)"
set logscale xy
set xrange [70:14000]
set xlabel "sockets (units)"
set ylabel "ms"
set grid
set key top left
set xtics ({", ".join(str(n) for n in sizes)})
plot "{data}" using 1:2 with linespoints lw 2 title "sockvisord (N unit files)", \\
     "" using 1:3 with linespoints lw 2 title "bare bind loop (C)", \\
     1000 with lines dt 2 title "goal for 10k: 1 s"
""")
