# The plot of scripts/bench-scale.sh:
#   gnuplot -e "results='DIR'; sizes='1000000 4000000'" scale.gp
# reads DIR/scale.csv and DIR/import-rate.csv, writes DIR/scale.png.
set terminal pngcairo size 1200,900 font ",10"
set output results . "/scale.png"
set datafile separator ","
set key top left
set grid
set multiplot layout 2,2 title "Maillage: all of France on one node (scripts/bench-scale.sh)"

set title "Latency against actors (one call at a time)"
set xlabel "actors in the store (millions)"
set ylabel "ms"
set logscale y
plot results . "/scale.csv" using ($24/1e6):16 every ::1 with linespoints title "SuggestPartners p50", \
     "" using ($24/1e6):17 every ::1 with linespoints title "SuggestPartners p99", \
     "" using ($24/1e6):18 every ::1 with linespoints title "SuggestCoalition p50", \
     "" using ($24/1e6):19 every ::1 with linespoints title "SuggestCoalition p99", \
     "" using ($24/1e6):20 every ::1 with linespoints title "ListActors p50", \
     "" using ($24/1e6):21 every ::1 with linespoints title "ListActors p99"
unset logscale y

set title "Memory and disk per actor"
set ylabel "bytes per actor"
plot results . "/scale.csv" using ($24/1e6):12 every ::1 with linespoints title "server RSS", \
     "" using ($24/1e6):13 every ::1 with linespoints title "index (estimated)", \
     "" using ($24/1e6):15 every ::1 with linespoints title "disk (store)", \
     600 with lines dashtype 2 title "index target 600 B"

set title "Start-up to SERVING"
set ylabel "seconds"
plot results . "/scale.csv" using ($24/1e6):9 every ::1 with linespoints title "launch to SERVING", \
     60 with lines dashtype 2 title "target 60 s"

set title "Import rate per 10 s window (each step of the growth)"
set xlabel "seconds since the step's first row"
set ylabel "rows/s"
plot for [s in sizes] results . "/import-rate.csv" every ::1 \
       using 2:(column(1) == s + 0 ? column(3) : 1/0) with lines title sprintf("step to %s input rows", s), \
     150000 with lines dashtype 2 title "target 150,000 rows/s"
unset multiplot
