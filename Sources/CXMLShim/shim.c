#include "CXMLShim.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* parser.h's xmlParserOption: forbid the network; every other option stays off (see the header). */
enum { XML_PARSE_NONET = 1 << 11 };

typedef void *xml_reader_ptr;
typedef void *xml_locator_ptr;
typedef void (*xml_reader_error_fn)(void *arg, const char *message, int severity, xml_locator_ptr locator);
typedef void (*xml_generic_error_fn)(void *context, const char *message, ...);

/* libxml2's functions, bound by load(). */
static struct {
    void (*init_parser)(void);
    void (*set_generic_error)(void *context, xml_generic_error_fn handler);
    xml_reader_ptr (*reader_for_memory)(const char *buffer, int size, const char *url, const char *encoding,
                                        int options);
    void (*free_reader)(xml_reader_ptr reader);
    int (*read)(xml_reader_ptr reader);
    int (*node_type)(xml_reader_ptr reader);
    int (*is_empty_element)(xml_reader_ptr reader);
    const unsigned char *(*const_name)(xml_reader_ptr reader);
    const unsigned char *(*const_value)(xml_reader_ptr reader);
    int (*move_to_next_attribute)(xml_reader_ptr reader);
    int (*move_to_element)(xml_reader_ptr reader);
    void (*set_error_handler)(xml_reader_ptr reader, xml_reader_error_fn handler, void *arg);
    int (*locator_line)(xml_locator_ptr locator);
} xml;

static pthread_once_t load_once = PTHREAD_ONCE_INIT;
static char load_failure[512];
static const char *load_error = "libxml2 was not loaded";

static void load(void) {
    const char *install = "install Debian's libxml2 (apt-get install libxml2, or libxml2-16 on Debian after 13)";
    void *library = dlopen(CXML_LIBRARY, RTLD_NOW | RTLD_LOCAL);
    if (library == NULL) library = dlopen(CXML_LIBRARY_16, RTLD_NOW | RTLD_LOCAL);
    if (library == NULL) {
        const char *why = dlerror();
        snprintf(load_failure, sizeof load_failure, "libxml2 could not be loaded (%s); %s",
                 why ? why : CXML_LIBRARY, install);
        load_error = load_failure;
        return;
    }
#define BIND(field, symbol)                                                                        \
    if ((*(void **)&xml.field = dlsym(library, #symbol)) == NULL) {                               \
        snprintf(load_failure, sizeof load_failure, "libxml2 has no %s; %s", #symbol, install);    \
        load_error = load_failure;                                                                 \
        return;                                                                                    \
    }
    BIND(init_parser, xmlInitParser)
    BIND(set_generic_error, xmlSetGenericErrorFunc)
    BIND(reader_for_memory, xmlReaderForMemory)
    BIND(free_reader, xmlFreeTextReader)
    BIND(read, xmlTextReaderRead)
    BIND(node_type, xmlTextReaderNodeType)
    BIND(is_empty_element, xmlTextReaderIsEmptyElement)
    BIND(const_name, xmlTextReaderConstName)
    BIND(const_value, xmlTextReaderConstValue)
    BIND(move_to_next_attribute, xmlTextReaderMoveToNextAttribute)
    BIND(move_to_element, xmlTextReaderMoveToElement)
    BIND(set_error_handler, xmlTextReaderSetErrorHandler)
    BIND(locator_line, xmlTextReaderLocatorLineNumber)
#undef BIND
    /* libxml2 asks for this once, before any thread parses. */
    xml.init_parser();
    load_error = NULL;
}

const char *cxml_load(void) {
    pthread_once(&load_once, load);
    return load_error;
}

struct cxml_reader {
    xml_reader_ptr reader;
    char error[256];
};

static void keep_first_error(void *arg, const char *message, int severity, xml_locator_ptr locator) {
    (void)severity;
    cxml_reader *reader = arg;
    if (reader->error[0] != '\0') return;
    snprintf(reader->error, sizeof reader->error, "line %d: %s", xml.locator_line(locator), message);
    /* libxml2's messages end in a newline. */
    size_t length = strlen(reader->error);
    if (length > 0 && reader->error[length - 1] == '\n') reader->error[length - 1] = '\0';
}

/* Errors outside a parser context would go to stderr, which belongs to the run's terminal view. */
static void ignore_error(void *context, const char *message, ...) {
    (void)context;
    (void)message;
}

cxml_reader *cxml_reader_open(const char *bytes, int size) {
    cxml_reader *reader = calloc(1, sizeof *reader);
    if (reader == NULL) return NULL;
    /* Per thread in libxml2, so set by each reader's thread. */
    xml.set_generic_error(NULL, ignore_error);
    reader->reader = xml.reader_for_memory(bytes, size, NULL, NULL, XML_PARSE_NONET);
    if (reader->reader == NULL) {
        free(reader);
        return NULL;
    }
    xml.set_error_handler(reader->reader, keep_first_error, reader);
    return reader;
}

void cxml_reader_free(cxml_reader *reader) {
    xml.free_reader(reader->reader);
    free(reader);
}

int cxml_reader_read(cxml_reader *reader) { return xml.read(reader->reader); }
int cxml_reader_node_type(cxml_reader *reader) { return xml.node_type(reader->reader); }
int cxml_reader_is_empty_element(cxml_reader *reader) { return xml.is_empty_element(reader->reader); }
const char *cxml_reader_name(cxml_reader *reader) { return (const char *)xml.const_name(reader->reader); }
const char *cxml_reader_value(cxml_reader *reader) { return (const char *)xml.const_value(reader->reader); }
int cxml_reader_next_attribute(cxml_reader *reader) { return xml.move_to_next_attribute(reader->reader); }
void cxml_reader_to_element(cxml_reader *reader) { xml.move_to_element(reader->reader); }
const char *cxml_reader_error(cxml_reader *reader) { return reader->error[0] ? reader->error : NULL; }
