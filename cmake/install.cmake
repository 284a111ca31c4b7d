# What `cmake --install <build> [--prefix <p>]` (make install PREFIX=<p>) puts
# under the prefix:
#   <libdir>/liblingrad.a and (LINGRAD_SHARED) liblingrad.so, liblingrad.so.<SOVERSION>
#   and liblingrad.so.<VERSION>, <includedir>/lingrad.h and lingrad_version.h,
#   <bindir>/lingrad (the CLI, linked statically: it runs from a moved prefix; LINGRAD_CLI),
#   <libdir>/cmake/lingrad/: find_package(lingrad [COMPONENTS shared|static]) gives
#   lingrad::lingrad_static, lingrad::lingrad_shared and lingrad::lingrad, the one
#   the components or the consumer's BUILD_SHARED_LIBS pick (lingradConfig.cmake.in),
#   <libdir>/pkgconfig/lingrad.pc: pkg-config --cflags --libs lingrad (the .so),
#   with --static the static library's dependencies too;
#   where MPI was found, also <libdir>/liblingrad_mpi.a (static only), lingrad_mpi.h
#   and <bindir>/lingrad-mpi: find_package(lingrad COMPONENTS mpi) gives
#   lingrad::lingrad_mpi (no pkg-config file: each MPI names its own .pc).
# tests/test_install.sh builds a consumer against such a tree both ways, linked
# with each library; tests/test_lib_only.sh does it for a library-only build.
include(CMakePackageConfigHelpers)

set(LG_INSTALL_CMAKEDIR "${CMAKE_INSTALL_LIBDIR}/cmake/lingrad")

# The kernels' objects are inside liblingrad.a ($<TARGET_OBJECTS:...>), so that
# OBJECT library is not exported. For a static library CMake exports the PRIVATE
# link dependencies (hwloc) as $<LINK_ONLY:...>: a consumer's link needs them,
# its compile does not; lingradConfig.cmake finds them before the targets load.
# The static and the shared library in exports of their own, so that a consumer
# of the .so never has to find the static library's dependencies.
install(TARGETS lingrad EXPORT lingradStaticTargets
        ARCHIVE DESTINATION "${CMAKE_INSTALL_LIBDIR}")
install(EXPORT lingradStaticTargets NAMESPACE lingrad::
        DESTINATION "${LG_INSTALL_CMAKEDIR}")
if(LINGRAD_SHARED)
  install(TARGETS lingrad_shared EXPORT lingradSharedTargets
          LIBRARY DESTINATION "${CMAKE_INSTALL_LIBDIR}")
  install(EXPORT lingradSharedTargets NAMESPACE lingrad::
          DESTINATION "${LG_INSTALL_CMAKEDIR}")
endif()
install(FILES include/lingrad.h "${PROJECT_BINARY_DIR}/include/lingrad_version.h"
        DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}")
if(LINGRAD_CLI)
  install(TARGETS lingrad_cli RUNTIME DESTINATION "${CMAKE_INSTALL_BINDIR}")
endif()
# The MPI layer in an export of its own, loaded only when the component is asked
# for, so that a consumer of the core library never needs MPI.
if(LG_HAVE_MPI)
  install(TARGETS lingrad_mpi EXPORT lingradMpiTargets ARCHIVE DESTINATION "${CMAKE_INSTALL_LIBDIR}")
  install(FILES include/lingrad_mpi.h DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}")
  if(LINGRAD_CLI)
    install(TARGETS lingrad_mpi_cli RUNTIME DESTINATION "${CMAKE_INSTALL_BINDIR}")
  endif()
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
set(LG_WITH_SHARED ${LINGRAD_SHARED})
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
# Libs names the library alone: -llingrad is liblingrad.so where it is installed,
# whose dependencies are recorded in it (DT_NEEDED). Libs.private is for
# pkg-config --static, a link with liblingrad.a, which
# brings its dependencies to every link: the compiler's OpenMP
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
