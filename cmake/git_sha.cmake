# Writes OUT with the commit the build is made from, at build time rather than
# configure time: a sha fixed when CMake last ran goes stale with every commit,
# and a benchmark record must name the code that produced it. "-dirty" marks
# uncommitted changes to tracked files. OUT is rewritten only when it changes,
# so an unchanged commit rebuilds nothing.
#   cmake -DSRC=<source dir> -DOUT=<header> -P git_sha.cmake
set(sha unknown)
find_package(Git QUIET)
if(GIT_FOUND)
  execute_process(COMMAND "${GIT_EXECUTABLE}" describe --always --dirty --abbrev=7
                  WORKING_DIRECTORY "${SRC}" OUTPUT_VARIABLE out RESULT_VARIABLE rc
                  OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
  if(rc EQUAL 0 AND out)
    set(sha "${out}")
  endif()
endif()
set(text "#define LG_GIT_SHA \"${sha}\"\n")
if(EXISTS "${OUT}")
  file(READ "${OUT}" old)
endif()
if(NOT "${old}" STREQUAL "${text}")
  file(WRITE "${OUT}" "${text}")
endif()
