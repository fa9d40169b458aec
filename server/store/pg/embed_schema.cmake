# embed_schema.cmake - writes OUT, a C file holding every schema/NNN.sql
# (in order) as a string with its version NNN: the schema versions are
# compiled into refgwd (pg_migrate.c).
#
#   cmake -DSRC=schema-folder -DOUT=file.c -P embed_schema.cmake
file(GLOB files RELATIVE ${SRC} ${SRC}/*.sql)
list(FILTER files INCLUDE REGEX "^[0-9][0-9][0-9]\\.sql$")
list(SORT files)
if(NOT files)
  message(FATAL_ERROR "no schema/NNN.sql in ${SRC}")
endif()
set(body "/* Made by embed_schema.cmake from server/store/pg/schema/: do not edit. */\n")
string(APPEND body "#include \"pg_schema.h\"\n\nconst struct pg_schema_step pg_schema_steps[] = {\n")
set(expected 1)
foreach(f ${files})
  string(SUBSTRING ${f} 0 3 number)
  math(EXPR version "${number}")
  if(NOT version EQUAL expected)
    message(FATAL_ERROR "schema/${f}: expected version ${expected} next")
  endif()
  math(EXPR expected "${expected} + 1")
  file(READ ${SRC}/${f} sql)
  string(REPLACE "\\" "\\\\" sql "${sql}")
  string(REPLACE "\"" "\\\"" sql "${sql}")
  string(REPLACE "\n" "\\n\"\n    \"" sql "${sql}")
  string(APPEND body "    {${version}, \"schema/${f}\",\n    \"${sql}\"},\n")
endforeach()
string(APPEND body "};\nconst int pg_schema_version = ${version};\n")
file(WRITE ${OUT} "${body}")
