# What `cmake --install <build> [--prefix <p>]` puts under the prefix:
#   <libdir>/liblingrad.a, <includedir>/lingrad.h and lingrad_version.h,
#   <bindir>/lingrad (the CLI),
#   <libdir>/cmake/lingrad/: find_package(lingrad) gives lingrad::lingrad,
#   <libdir>/pkgconfig/lingrad.pc: pkg-config --static --cflags --libs lingrad;
#   where MPI was found, also <libdir>/liblingrad_mpi.a, lingrad_mpi.h and
#   <bindir>/lingrad-mpi: find_package(lingrad COMPONENTS mpi) gives
#   lingrad::lingrad_mpi (no pkg-config file: each MPI names its own .pc).
# tests/test_install.sh builds a consumer against such a tree both ways.
include(CMakePackageConfigHelpers)

set(LG_INSTALL_CMAKEDIR "${CMAKE_INSTALL_LIBDIR}/cmake/lingrad")

# The kernels' objects are inside liblingrad.a ($<TARGET_OBJECTS:...>), so that
# OBJECT library is not exported. For a static library CMake exports the PRIVATE
# link dependencies (hwloc) as $<LINK_ONLY:...>: a consumer's link needs them,
# its compile does not; lingradConfig.cmake finds them before the targets load.
install(TARGETS lingrad EXPORT lingradTargets
        ARCHIVE DESTINATION "${CMAKE_INSTALL_LIBDIR}")
install(FILES include/lingrad.h "${PROJECT_BINARY_DIR}/include/lingrad_version.h"
        DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}")
install(TARGETS lingrad_cli RUNTIME DESTINATION "${CMAKE_INSTALL_BINDIR}")
install(EXPORT lingradTargets NAMESPACE lingrad::
        DESTINATION "${LG_INSTALL_CMAKEDIR}")
# The MPI layer in an export of its own, loaded only when the component is asked
# for, so that a consumer of the core library never needs MPI.
if(LG_HAVE_MPI)
  install(TARGETS lingrad_mpi EXPORT lingradMpiTargets ARCHIVE DESTINATION "${CMAKE_INSTALL_LIBDIR}")
  install(FILES include/lingrad_mpi.h DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}")
  install(TARGETS lingrad_mpi_cli RUNTIME DESTINATION "${CMAKE_INSTALL_BINDIR}")
  install(EXPORT lingradMpiTargets NAMESPACE lingrad:: DESTINATION "${LG_INSTALL_CMAKEDIR}")
endif()

# The package's version check follows the ABI policy in lingrad.h: while MAJOR is
# 0 a MINOR bump may break the ABI, so find_package(lingrad 0.1) must not accept
# 0.2; from 1.0 only a MAJOR bump may.
if(PROJECT_VERSION_MAJOR EQUAL 0)
  set(lg_compat SameMinorVersion)
else()
  set(lg_compat SameMajorVersion)
endif()
set(LG_WITH_HWLOC ${LINGRAD_HWLOC})
set(LG_WITH_MPI ${LG_HAVE_MPI})
configure_package_config_file(cmake/lingradConfig.cmake.in
  "${PROJECT_BINARY_DIR}/package/lingradConfig.cmake"
  INSTALL_DESTINATION "${LG_INSTALL_CMAKEDIR}")
write_basic_package_version_file("${PROJECT_BINARY_DIR}/package/lingradConfigVersion.cmake"
  COMPATIBILITY ${lg_compat})
install(FILES "${PROJECT_BINARY_DIR}/package/lingradConfig.cmake"
              "${PROJECT_BINARY_DIR}/package/lingradConfigVersion.cmake"
        DESTINATION "${LG_INSTALL_CMAKEDIR}")

# lingrad.pc. The prefix is computed from where the file lies (${pcfiledir}), so
# `cmake --install --prefix` anywhere gives a working file; the prefix CMake was
# configured with is only known to be right when the dirs are absolute.
if(IS_ABSOLUTE "${CMAKE_INSTALL_LIBDIR}" OR IS_ABSOLUTE "${CMAKE_INSTALL_INCLUDEDIR}")
  set(LG_PC_PREFIX "${CMAKE_INSTALL_PREFIX}")
  set(LG_PC_LIBDIR "${CMAKE_INSTALL_FULL_LIBDIR}")
  set(LG_PC_INCLUDEDIR "${CMAKE_INSTALL_FULL_INCLUDEDIR}")
else()
  file(RELATIVE_PATH lg_up "/p/${CMAKE_INSTALL_LIBDIR}/pkgconfig" "/p")
  string(REGEX REPLACE "/$" "" lg_up "${lg_up}")
  set(LG_PC_PREFIX "\${pcfiledir}/${lg_up}")
  set(LG_PC_LIBDIR "\${prefix}/${CMAKE_INSTALL_LIBDIR}")
  set(LG_PC_INCLUDEDIR "\${prefix}/${CMAKE_INSTALL_INCLUDEDIR}")
endif()
# A static library brings its dependencies to every link: the compiler's OpenMP
# flag (it links the runtime the library was compiled for: libgomp for gcc,
# libomp for clang's -fopenmp=libomp), the thread flag, libm, libdl and hwloc.
# (CMAKE_THREAD_LIBS_INIT is empty where libc has the threads, as glibc 2.34 does.)
set(lg_libs ${OpenMP_C_FLAGS} ${CMAKE_THREAD_LIBS_INIT})
if(LG_LIBM)
  list(APPEND lg_libs -lm)
endif()
foreach(lib IN LISTS CMAKE_DL_LIBS) # dlopen, for the JIT
  list(APPEND lg_libs -l${lib})
endforeach()
list(JOIN lg_libs " " LG_PC_LIBS_PRIVATE)
set(LG_PC_REQUIRES_PRIVATE "")
if(LINGRAD_HWLOC)
  set(LG_PC_REQUIRES_PRIVATE "hwloc")
endif()
configure_file(cmake/lingrad.pc.in "${PROJECT_BINARY_DIR}/package/lingrad.pc" @ONLY)
install(FILES "${PROJECT_BINARY_DIR}/package/lingrad.pc"
        DESTINATION "${CMAKE_INSTALL_LIBDIR}/pkgconfig")
