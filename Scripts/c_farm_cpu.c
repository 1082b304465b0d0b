/* The C floor for rank 0's CPU per task: the anchor's farm (one no-op task
   per message, one outstanding per worker, blocking receive on the master),
   timed with rank 0's CPU time, user and kernel, over the farm alone.
   Scripts/bench builds it with mpicc and runs it on 5 ranks beside the cases.
   Prints one JSON object from rank 0. */
#include <mpi.h>
#include <stdio.h>
#include <sys/resource.h>

static void cpu(double *user, double *kernel) {
  struct rusage u;
  getrusage(RUSAGE_SELF, &u);
  *user = u.ru_utime.tv_sec + 1e-6 * u.ru_utime.tv_usec;
  *kernel = u.ru_stime.tv_sec + 1e-6 * u.ru_stime.tv_usec;
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  int rank, size;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  const long tasks = 200000;
  long message[8] = {0};
  MPI_Barrier(MPI_COMM_WORLD);
  double user0, kernel0, user1, kernel1;
  cpu(&user0, &kernel0);
  double start = MPI_Wtime();
  if (rank == 0) {
    long next = 0, done = 0;
    MPI_Status status;
    for (int worker = 1; worker < size && next < tasks; worker++) {
      message[0] = next++;
      MPI_Send(message, 8, MPI_LONG, worker, 1, MPI_COMM_WORLD);
    }
    while (done < tasks) {
      MPI_Recv(message, 8, MPI_LONG, MPI_ANY_SOURCE, 1, MPI_COMM_WORLD, &status);
      done++;
      if (next < tasks) {
        message[0] = next++;
        MPI_Send(message, 8, MPI_LONG, status.MPI_SOURCE, 1, MPI_COMM_WORLD);
      }
    }
    message[0] = -1;
    for (int worker = 1; worker < size; worker++) MPI_Send(message, 8, MPI_LONG, worker, 1, MPI_COMM_WORLD);
  } else {
    for (;;) {
      MPI_Recv(message, 8, MPI_LONG, 0, 1, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
      if (message[0] < 0) break;
      MPI_Send(message, 8, MPI_LONG, 0, 1, MPI_COMM_WORLD);
    }
  }
  double elapsed = MPI_Wtime() - start;
  cpu(&user1, &kernel1);
  if (rank == 0) {
    printf("{\"farm_tasks_per_s\": %.0f, \"master_cpu_us_per_task\": %.4f, \"master_user_us_per_task\": %.4f, "
           "\"master_system_us_per_task\": %.4f}\n",
           tasks / elapsed, (user1 - user0 + kernel1 - kernel0) / tasks * 1e6, (user1 - user0) / tasks * 1e6,
           (kernel1 - kernel0) / tasks * 1e6);
  }
  MPI_Finalize();
  return 0;
}
